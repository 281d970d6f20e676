using RedProperty.Iot.Domain.Contract;

namespace RedProperty.Iot.Domain.Alerts;

/// <summary>Everything an alert is, for storage.</summary>
public sealed record AlertSnapshot(
    Guid Id,
    AlertKey Key,
    string Zone,
    DeviceKind Kind,
    AlertSeverity Severity,
    AlertState State,
    string Message,
    DateTimeOffset RaisedAt,
    DateTimeOffset ActiveSince,
    DateTimeOffset LastSeenAt,
    int Count,
    string? AcknowledgedBy,
    DateTimeOffset? AcknowledgedAt,
    string? ResolvedBy,
    DateTimeOffset? ResolvedAt,
    string? ResolutionNote,
    IReadOnlyList<AlertTransition> History,
    IReadOnlyList<AlertEscalation> Escalations,
    AlertClearing Clearing = AlertClearing.Automatic,
    DateTimeOffset? ConditionClearedAt = null,
    AlertFact? Fact = null,
    string? OnTheWayBy = null,
    DateTimeOffset? OnTheWayAt = null,
    string? ArrivedBy = null,
    DateTimeOffset? ArrivedAt = null,
    ArrivalProof? ArrivalProof = null,
    string? ArrivalDetail = null,
    string? AssignedTo = null,
    DateTimeOffset? AssignedAt = null);
