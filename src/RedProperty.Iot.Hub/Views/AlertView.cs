using RedProperty.Iot.Hub.Devices;

namespace RedProperty.Iot.Hub.Views;

public sealed record EscalationView(string Reason, DateTimeOffset At);

/// <summary>
/// At a district centre, an action on an edge's alert that is not done yet: <see cref="State"/> is <c>pending</c>
/// (sent down, the edge has not answered) or <c>refused</c> (the edge, or the centre on expiry, said no:
/// <see cref="Outcome"/> and <see cref="Problem"/> say why). Done actions show in the alert itself.
/// </summary>
public sealed record EdgeCommandView(string Id, string Action, string By, DateTimeOffset IssuedAt, string State, string? Outcome = null, string? Problem = null);

/// <summary>
/// An alert as REST and SignalR clients see it (the field names are part of the contract). <see cref="Clearing"/>
/// says whether the system may close it (<c>auto</c>) or only a person (<c>staff</c>); <see cref="ConditionPresent"/>
/// whether its condition still holds (null once resolved); <see cref="Reading"/> the device's latest reading when
/// the view was made; <see cref="ReopenedAfterResolveBy"/> who resolved it before its condition brought it back.
/// The field steps of the current activation: who set out when, who arrived when, and how the arrival was
/// established (<c>sticker</c> or <c>desk</c>). <see cref="Place"/> is where someone goes: the place of the alert's
/// device (its zone unless the registry names a place), whose sticker proves arrival. <see cref="PhotoUrl"/> is the
/// photo taken when resolving, <see cref="ResidentPhotoUrl"/> the one a resident sent with a report. <see cref="Commands"/>
/// (at a district centre only) the actions sent down to the alert's edge that it has not carried out.
/// </summary>
public sealed record AlertView(
    Guid Id,
    long Seq,
    string Site,
    string Zone,
    string DeviceId,
    string Kind,
    string Type,
    string Severity,
    string State,
    string Message,
    DateTimeOffset RaisedAt,
    DateTimeOffset LastSeenAt,
    int Count,
    string? AcknowledgedBy,
    DateTimeOffset? AcknowledgedAt,
    string? ResolvedBy,
    DateTimeOffset? ResolvedAt,
    IReadOnlyList<EscalationView> Escalations,
    string? SnapshotUrl,
    DateTimeOffset AcknowledgeDueAt,
    DateTimeOffset? ArriveDueAt,
    string? ClipUrl,
    string Clearing,
    bool? ConditionPresent,
    DateTimeOffset? ConditionClearedAt,
    string? ReopenedAfterResolveBy,
    DeviceReadingView? Reading,
    AlertFactView? Fact = null,
    string? OnTheWayBy = null,
    DateTimeOffset? OnTheWayAt = null,
    string? ArrivedBy = null,
    DateTimeOffset? ArrivedAt = null,
    string? ArrivalProof = null,
    string? Place = null,
    string? PlaceName = null,
    string? AssignedTo = null,
    DateTimeOffset? AssignedAt = null,
    string? PhotoUrl = null,
    string? ResidentPhotoUrl = null,
    IReadOnlyList<EdgeCommandView>? Commands = null)
{
    /// <summary>
    /// The view of an alert; the due times are the response promise (acknowledge) and, for critical
    /// alerts, the on-site promise, counted from when the alert became active (raised or reopened).
    /// </summary>
    public static AlertView From(Alert alert, long seq, EscalationPolicy policy, AlertEvidence? evidence = null, DeviceReadingView? reading = null, Place? place = null) => new(
        alert.Id, seq, alert.Site, alert.Zone, alert.DeviceId, alert.Kind.ToWire(), alert.Type.ToWire(), alert.Severity.ToWire(),
        alert.State.ToWire(), alert.Message, alert.RaisedAt, alert.LastSeenAt, alert.Count, alert.AcknowledgedBy, alert.AcknowledgedAt,
        alert.ResolvedBy, alert.ResolvedAt, alert.Escalations.Select(e => new EscalationView(e.Reason, e.At)).ToArray(), evidence?.SnapshotUrl,
        alert.ActiveSince + policy.AcknowledgeWithin,
        policy.ArriveDueAt(alert),
        evidence?.ClipUrl,
        alert.Clearing.ToWire(),
        alert.IsOpen ? alert.ConditionPresent : null,
        alert.IsOpen ? alert.ConditionClearedAt : null,
        alert.ReopenedAfterResolveBy,
        reading,
        AlertFactView.From(alert.Fact),
        alert.OnTheWayBy,
        alert.OnTheWayAt,
        alert.ArrivedBy,
        alert.ArrivedAt,
        alert.ArrivalProof?.ToWire(),
        place?.Id,
        place?.Name,
        alert.AssignedTo,
        alert.AssignedAt,
        evidence?.PhotoUrl,
        evidence?.ResidentPhotoUrl);
}
