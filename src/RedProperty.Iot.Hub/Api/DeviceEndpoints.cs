using System.Security.Claims;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Devices;
using RedProperty.Iot.Hub.Staff;

namespace RedProperty.Iot.Hub.Api;

public sealed record DeviceView(
    string Site,
    string Id,
    string Kind,
    string Zone,
    string? Location,
    string? Status,
    DateTimeOffset? StatusChangedAt,
    DateTimeOffset? LastSeen,
    long Messages,
    IReadOnlyDictionary<string, long> Rejections,
    SequenceView Sequence,
    IReadOnlyList<string> OpenAlerts)
{
    public static DeviceView From(DeviceState state, AlertService alerts) => new(
        state.Device.Site,
        state.Device.Id,
        state.Device.Kind.ToWire(),
        state.Device.Zone,
        state.Device.Location,
        state.Status?.ToString().ToLowerInvariant(),
        state.StatusChangedAt,
        state.LastSeen,
        state.Messages,
        state.RejectionCounts(),
        SequenceView.From(state.SequenceCounts()),
        alerts.OpenTypesOf(state.Device).Select(t => t.ToWire()).ToArray());
}

/// <summary>What the device's <c>seq</c> counter says: numbers never received, repeats, restarts.</summary>
public sealed record SequenceView(long Missing, long Duplicates, long Resets)
{
    public static SequenceView From((long Missing, long Duplicates, long Resets) counts) => new(counts.Missing, counts.Duplicates, counts.Resets);
}

public sealed record RejectionView(DateTimeOffset At, string Topic, string Reason, string Detail, string Payload);

/// <summary>REST endpoints for devices: state, counters and the last refused messages.</summary>
public static class DeviceEndpoints
{
    public static IEndpointRouteBuilder MapDeviceEndpoints(this IEndpointRouteBuilder app)
    {
        var devices = app.MapGroup("/api/devices").WithTags("Devices").RequireAuthorization();

        devices.MapGet("/", (DeviceStates directory, AlertService alerts, ClaimsPrincipal user, string? site, string? kind) =>
                directory.All
                    .Where(s => user.CanSee(s.Device.Site))
                    .Where(s => site is null || s.Device.Site == site)
                    .Where(s => kind is null || s.Device.Kind.ToWire() == kind)
                    .OrderBy(s => s.Device.Site, StringComparer.Ordinal).ThenBy(s => s.Device.Id, StringComparer.Ordinal)
                    .Select(s => DeviceView.From(s, alerts)))
            .WithSummary("Every registered device with its status, last seen time and counters.");

        devices.MapGet("/elevators", (DeviceStates directory, ClaimsPrincipal user, string? site) =>
                directory.All
                    .Where(s => s.Device.Kind == DeviceKind.Elevator && user.CanSee(s.Device.Site) && (site is null || s.Device.Site == site))
                    .Select(s => s.Elevator)
                    .OfType<ElevatorView>()
                    .OrderBy(e => e.Site, StringComparer.Ordinal).ThenBy(e => e.DeviceId, StringComparer.Ordinal))
            .WithSummary("Every elevator car's last known floor, door, running, occupancy and fault (cars not heard from yet are left out).");

        devices.MapGet("/series", (DeviceStates directory, ClaimsPrincipal user, TimeProvider time, string? site, string? kind) =>
            {
                var now = time.GetUtcNow();
                return directory.All
                    .Where(s => s.Series is not null && user.CanSee(s.Device.Site) && (site is null || s.Device.Site == site) && (kind is null || s.Device.Kind.ToWire() == kind))
                    .OrderBy(s => s.Device.Site, StringComparer.Ordinal).ThenBy(s => s.Device.Id, StringComparer.Ordinal)
                    .Select(s =>
                    {
                        var (from, values) = s.Series!.Read(now);
                        return new SeriesView(s.Device.Site, s.Device.Zone, s.Device.Id, s.Device.Kind.ToWire(), s.Series.Metric, from, (int)RecentSeries.Step.TotalSeconds, values);
                    });
            })
            .WithSummary($"The last 15 minutes of every charger's current (A) and lamp's light (lx), in {RecentSeries.Step.TotalSeconds:0} s steps.");

        devices.MapGet("/{site}/{id}", (DeviceStates directory, AlertService alerts, ClaimsPrincipal user, string site, string id) =>
                !user.CanSee(site) ? SiteAccess.NotYourSite(site)
                : directory.TryGet(site, id, out var state) ? Results.Ok(DeviceView.From(state, alerts)) : NotFound(site, id))
            .WithSummary("One device.");

        devices.MapGet("/{site}/{id}/rejections", (DeviceStates directory, ClaimsPrincipal user, string site, string id) =>
                !user.CanSee(site) ? SiteAccess.NotYourSite(site)
                : directory.TryGet(site, id, out var state)
                    ? Results.Ok(state.RecentRejections().Select(r => new RejectionView(r.At, r.Topic, r.Reason.ToWire(), r.Detail, r.PayloadExcerpt)))
                    : NotFound(site, id))
            .WithSummary($"The device's last {DeviceState.RejectionLogSize} refused messages, newest first.");

        return app;
    }

    private static IResult NotFound(string site, string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such device", detail: $"No device '{id}' is registered in site '{site}'.");
}
