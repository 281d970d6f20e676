namespace RedProperty.Iot.Domain.Alerts;

/// <summary>An SLA miss: not acknowledged in time, or (critical) not resolved in time.</summary>
public sealed record AlertEscalation(string Reason, DateTimeOffset At)
{
    public const string NotAcknowledged = "not_acknowledged";
    public const string NotResolved = "not_resolved";
}
