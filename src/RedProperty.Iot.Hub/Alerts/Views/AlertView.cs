using System.Text.Json.Serialization;
using RedProperty.Iot.Alerts;
using RedProperty.Iot.Contract;
using RedProperty.Iot.Hub.Devices;

namespace RedProperty.Iot.Hub.Alerts.Views;

public sealed record EscalationView(string Reason, DateTimeOffset At);

/// <summary>A value of a fact: <c>{"type":"quantity","number":2.59,"unit":"A"}</c>, <c>{"type":"circuit","text":"corridor"}</c>.</summary>
public sealed record FactValueView(
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Number = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Text = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Unit = null);

/// <summary>
/// What a rule found, as data: <c>{"key":"flying_wire_charging.circuit_draw","values":{"circuit":…,"current":…,"duration":…}}</c>.
/// The desk writes it in the user's language; the alert's <c>message</c> is its English sentence. Also how facts are stored.
/// </summary>
public sealed record AlertFactView(string Key, IReadOnlyDictionary<string, FactValueView> Values)
{
    public static AlertFactView? From(AlertFact? fact) => fact is null ? null : new(
        fact.Key,
        fact.Values.ToDictionary(v => v.Name, v => new FactValueView(v.Type.ToWire(), v.Number, v.Text, v.Unit), StringComparer.Ordinal));

    /// <summary>Back to the domain's fact; a value of a type this hub does not know is kept as text.</summary>
    public AlertFact ToFact() => new(Key, [.. (Values ?? new Dictionary<string, FactValueView>()).Select(v =>
        new FactValue(v.Key, FactValueTypes.TryParse(v.Value.Type, out var type) ? type : FactValueType.Text, v.Value.Number, v.Value.Text, v.Value.Unit))]);
}

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
    DeviceReadingView? Reading,
    AlertFactView? Fact = null)
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
        reading,
        AlertFactView.From(alert.Fact));
}

/// <summary>Camera evidence attached to an alert: a snapshot, and for critical alerts a clip (URLs under /api/evidence).</summary>
public sealed record AlertEvidence(string? SnapshotUrl, string? ClipUrl);

public sealed record AlertTransitionView(DateTimeOffset At, string Action, string By, string? Note, string Severity, AlertFactView? Fact = null);

/// <summary>An alert with its resolution note and full audit trail (<c>GET /api/alerts/{id}</c>).</summary>
public sealed record AlertDetailView(AlertView Alert, string? ResolutionNote, DateTimeOffset ActiveSince, IReadOnlyList<AlertTransitionView> History)
{
    public static AlertDetailView From(Alert alert, long seq, EscalationPolicy policy, AlertEvidence? evidence = null, DeviceReadingView? reading = null) => new(
        AlertView.From(alert, seq, policy, evidence, reading),
        alert.ResolutionNote,
        alert.ActiveSince,
        alert.History.Select(h => new AlertTransitionView(h.At, h.Action, h.By, h.Note, h.Severity.ToWire(), AlertFactView.From(h.Fact))).ToArray());
}
