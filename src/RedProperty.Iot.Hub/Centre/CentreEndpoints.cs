using System.Security.Claims;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Staff;

namespace RedProperty.Iot.Hub.Centre;

/// <summary>
/// An edge as the district desk sees it: its compounds, when it was last heard from (a change or its heartbeat), how
/// late its last change arrived (<see cref="BehindSeconds"/>), and how many of its changes have not arrived yet
/// (<see cref="BehindChanges"/>: its newest change number, <see cref="HeadSeq"/>, as its heartbeat says, less the
/// newest applied, <see cref="LastSeq"/>).
/// </summary>
public sealed record EdgeView(
    string Edge, IReadOnlyList<string> Sites, long LastSeq, DateTimeOffset? LastHeardAt, DateTimeOffset? LastSentAt, double? BehindSeconds, bool Silent, long Applied, long Duplicates,
    long HeadSeq, long BehindChanges);

public static class CentreEndpoints
{
    public static IEndpointRouteBuilder MapCentreEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/district/edges", async (ClaimsPrincipal user, IServiceProvider services, IOptions<CentreOptions> options, TimeProvider time, CancellationToken ct) =>
            {
                if (services.GetService<EdgeStore>() is not { } store)
                {
                    return Results.Ok(Array.Empty<EdgeView>());
                }

                var heard = (await store.EdgesAsync(ct)).ToDictionary(e => e.Edge);
                var now = time.GetUtcNow();
                return Results.Ok(options.Value.Edges
                    .Select(e => (Edge: e.Key, Sites: e.Value.Where(user.CanSee).ToArray()))
                    .Where(e => e.Sites.Length > 0)
                    .OrderBy(e => e.Edge, StringComparer.Ordinal)
                    .Select(e => heard.TryGetValue(e.Edge, out var status)
                        ? new EdgeView(e.Edge, e.Sites, status.LastSeq, status.LastHeardAt, status.LastSentAt, Math.Max(0, (status.LastHeardAt - status.LastSentAt).TotalSeconds),
                            now - status.LastHeardAt > options.Value.SilentAfter, status.Applied, status.Duplicates, status.HeadSeq, Math.Max(0, status.HeadSeq - status.LastSeq))
                        : new EdgeView(e.Edge, e.Sites, 0, null, null, null, Silent: true, 0, 0, 0, 0)));
            })
            .RequireAuthorization()
            .WithTags("District")
            .WithSummary("Each edge hub whose compounds the caller may see: when it was last heard from, how late its last change arrived, whether it is silent (Centre:SilentAfter).");
        return app;
    }
}
