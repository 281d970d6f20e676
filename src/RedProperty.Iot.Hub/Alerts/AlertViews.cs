using System.Text.Json;
using System.Text.Json.Serialization;
using RedProperty.Iot.Alerts;
using RedProperty.Iot.Contract;
using RedProperty.Iot.Hub.Devices;

namespace RedProperty.Iot.Hub.Alerts;

public sealed record EscalationView(string Reason, DateTimeOffset At);

/// <summary>
/// An alert as REST and SignalR clients see it (the field names are part of the contract). <see cref="Clearing"/>
/// says whether the system may close it (<c>auto</c>) or only a person (<c>staff</c>); <see cref="ConditionPresent"/>
/// whether its condition still holds (null once resolved); <see cref="Reading"/> the device's latest reading when
/// the view was made; <see cref="ReopenedAfterResolveBy"/> who resolved it before its condition brought it back.
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
    DeviceReadingView? Reading)
{
    /// <summary>
    /// The view of an alert; the due times are the response promise (acknowledge) and, for critical
    /// alerts, the on-site promise, counted from when the alert became active (raised or reopened).
    /// </summary>
    public static AlertView From(Alert alert, long seq, EscalationPolicy policy, AlertEvidence? evidence = null, DeviceReadingView? reading = null) => new(
        alert.Id, seq, alert.Site, alert.Zone, alert.DeviceId, alert.Kind.ToWire(), alert.Type.ToWire(), alert.Severity.ToWire(),
        alert.State.ToWire(), alert.Message, alert.RaisedAt, alert.LastSeenAt, alert.Count, alert.AcknowledgedBy, alert.AcknowledgedAt,
        alert.ResolvedBy, alert.ResolvedAt, alert.Escalations.Select(e => new EscalationView(e.Reason, e.At)).ToArray(), evidence?.SnapshotUrl,
        alert.ActiveSince + policy.AcknowledgeWithin,
        alert.Severity == AlertSeverity.Critical ? alert.ActiveSince + policy.ResolveCriticalWithin : null,
        evidence?.ClipUrl,
        alert.Clearing.ToWire(),
        alert.IsOpen ? alert.ConditionPresent : null,
        alert.IsOpen ? alert.ConditionClearedAt : null,
        alert.ReopenedAfterResolveBy,
        reading);
}

/// <summary>Camera evidence attached to an alert: a snapshot, and for critical alerts a clip (URLs under /api/evidence).</summary>
public sealed record AlertEvidence(string? SnapshotUrl, string? ClipUrl);

public sealed record AlertTransitionView(DateTimeOffset At, string Action, string By, string? Note, string Severity);

/// <summary>An alert with its resolution note and full audit trail (<c>GET /api/alerts/{id}</c>).</summary>
public sealed record AlertDetailView(AlertView Alert, string? ResolutionNote, DateTimeOffset ActiveSince, IReadOnlyList<AlertTransitionView> History)
{
    public static AlertDetailView From(Alert alert, long seq, EscalationPolicy policy, AlertEvidence? evidence = null, DeviceReadingView? reading = null) => new(
        AlertView.From(alert, seq, policy, evidence, reading),
        alert.ResolutionNote,
        alert.ActiveSince,
        alert.History.Select(h => new AlertTransitionView(h.At, h.Action, h.By, h.Note, h.Severity.ToWire())).ToArray());
}

/// <summary>A device going online or offline, as pushed to the desk.</summary>
public sealed record DeviceStatusView(long Seq, string Site, string Zone, string DeviceId, string Kind, string Status, DateTimeOffset At);

/// <summary>What a desk client gets on connecting: every open alert and every device's status, as of <see cref="Seq"/>.</summary>
public sealed record DeskSnapshot(long Seq, IReadOnlyList<AlertView> Alerts, IReadOnlyList<DeviceStatusView> Devices);

public static class DeskEvents
{
    public const string AlertRaised = "alertRaised";
    public const string AlertUpdated = "alertUpdated";
    public const string DeviceStatusChanged = "deviceStatusChanged";

    /// <summary>An elevator car's live state: not numbered, not stored; only the latest one matters.</summary>
    public const string ElevatorChanged = "elevatorChanged";
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AlertView))]
[JsonSerializable(typeof(DeviceStatusView))]
[JsonSerializable(typeof(AlertDetailView))]
[JsonSerializable(typeof(DeskSnapshot))]
[JsonSerializable(typeof(RedProperty.Iot.Hub.Devices.ElevatorView))]
public sealed partial class DeskJsonContext : JsonSerializerContext;
