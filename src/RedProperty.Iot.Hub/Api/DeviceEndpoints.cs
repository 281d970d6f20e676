using RedProperty.Iot.Contract;
using RedProperty.Iot.Hub.Devices;

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
    SequenceView Sequence)
{
    public static DeviceView From(DeviceState state) => new(
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
        SequenceView.From(state.SequenceCounts()));
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
        var devices = app.MapGroup("/api/devices").WithTags("Devices");

        devices.MapGet("/", (DeviceDirectory directory, string? site, string? kind) =>
                directory.All
                    .Where(s => site is null || s.Device.Site == site)
                    .Where(s => kind is null || s.Device.Kind.ToWire() == kind)
                    .OrderBy(s => s.Device.Site, StringComparer.Ordinal).ThenBy(s => s.Device.Id, StringComparer.Ordinal)
                    .Select(DeviceView.From))
            .WithSummary("Every registered device with its status, last seen time and counters.");

        devices.MapGet("/{site}/{id}", (DeviceDirectory directory, string site, string id) =>
                directory.TryGet(site, id, out var state) ? Results.Ok(DeviceView.From(state)) : NotFound(site, id))
            .WithSummary("One device.");

        devices.MapGet("/{site}/{id}/rejections", (DeviceDirectory directory, string site, string id) =>
                directory.TryGet(site, id, out var state)
                    ? Results.Ok(state.RecentRejections().Select(r => new RejectionView(r.At, r.Topic, r.Reason.ToWire(), r.Detail, r.PayloadExcerpt)))
                    : NotFound(site, id))
            .WithSummary($"The device's last {DeviceState.RejectionLogSize} refused messages, newest first.");

        return app;
    }

    private static IResult NotFound(string site, string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such device", detail: $"No device '{id}' is registered in site '{site}'.");
}
