using System.Security.Claims;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Staff;

namespace RedProperty.Iot.Hub.Field;

public sealed record DutyRequest(string? Duty);

/// <summary>A member of staff who may be given a site's alerts, as the desk sees them when it dispatches.</summary>
public sealed record GridWorkerView(string Username, IReadOnlyList<string> Zones, string Duty, bool OnDutyNow, int OpenAssigned);

/// <summary>Who is on duty where, and one's own duty.</summary>
public static class DispatchEndpoints
{
    public static IEndpointRouteBuilder MapDispatchEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/grid-staff", (string? site, ClaimsPrincipal user, DeviceRegistry registry, GridDispatcher dispatcher, AlertService alerts, TimeProvider time) =>
            {
                if (string.IsNullOrEmpty(site) || !registry.SitesById.TryGetValue(site, out var found))
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["site"] = ["required: a site of the registry"] });
                }

                if (!user.CanSee(site))
                {
                    return SiteAccess.NotYourSite(site);
                }

                var now = time.GetUtcNow();
                var load = alerts.OpenAlerts([site]).Where(a => a.AssignedTo is not null)
                    .GroupBy(a => a.AssignedTo!, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);
                return Results.Ok(dispatcher.Staff
                    .Where(w => w.CanAct && w.Covers(site))
                    .OrderBy(w => w.Username, StringComparer.Ordinal)
                    .Select(w => new GridWorkerView(
                        w.Username,
                        [.. w.Zones.Where(z => z.Site == site).Select(z => z.Zone).Order(StringComparer.Ordinal)],
                        DutyText(w.OnDuty),
                        dispatcher.IsOnDuty(w, found, now),
                        load.GetValueOrDefault(w.Username))));
            })
            .RequireAuthorization()
            .WithTags("Field")
            .WithSummary("The staff who may be given the site's alerts: their zones, duty (on, off, roster), whether on duty now and how many open alerts they hold.");

        app.MapPost("/api/duty", async (DutyRequest request, ClaimsPrincipal user, StaffDirectory directory, GridDispatcher dispatcher, CancellationToken ct) =>
            {
                if (!TryParseDuty(request.Duty, out var duty))
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["duty"] = ["on, off or roster"] });
                }

                var result = await directory.ChangeAsync(user.Identity!.Name!, new StaffChange(Duty: duty), user.Identity!.Name!, _ => null, ct);
                if (result.Account is not { } account)
                {
                    return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such account");
                }

                await dispatcher.RefreshAsync(ct);
                return Results.Ok(new { duty = DutyText(account.OnDuty) });
            })
            .RequireAuthorization(StaffAuthentication.OperatorPolicy)
            .WithTags("Field")
            .WithSummary("The signed-in worker goes on duty, off duty, or back to their roster (body {\"duty\": \"on\" | \"off\" | \"roster\"}).");
        return app;
    }

    public static string DutyText(bool? onDuty) => onDuty switch { true => "on", false => "off", null => "roster" };

    public static bool TryParseDuty(string? text, out StaffDuty duty)
    {
        duty = text switch { "on" => StaffDuty.On, "off" => StaffDuty.Off, _ => StaffDuty.Roster };
        return text is "on" or "off" or "roster";
    }
}
