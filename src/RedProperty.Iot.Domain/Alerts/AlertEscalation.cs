namespace RedProperty.Iot.Domain.Alerts;

/// <summary>An SLA miss: not acknowledged in time, or (critical) nobody on site in time.</summary>
public sealed record AlertEscalation(string Reason, DateTimeOffset At)
{
    public const string NotAcknowledged = "not_acknowledged";

    /// <summary>A critical alert with nobody on site when the on-site promise ran out.</summary>
    public const string NotOnSite = "not_on_site";

    /// <summary>Recorded before the on-site promise counted arrival: a critical alert not resolved in time (kept in old alerts' trails).</summary>
    public const string NotResolved = "not_resolved";
}
