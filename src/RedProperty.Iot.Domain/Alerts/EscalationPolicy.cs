namespace RedProperty.Iot.Domain.Alerts;

/// <summary>
/// The district's promises, counted from when an alert became active (raised or reopened): respond within
/// 15 minutes, and for critical alerts and residents' reports someone on site (arrival recorded) within 30.
/// </summary>
public sealed record EscalationPolicy(TimeSpan AcknowledgeWithin, TimeSpan ArriveWithin)
{
    public static EscalationPolicy Default { get; } = new(TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30));

    /// <summary>The window in which a resolved alert that fires again is reopened.</summary>
    public static TimeSpan ReopenWindow { get; } = TimeSpan.FromMinutes(5);

    /// <summary>Whether the alert carries the on-site promise: critical alerts, and every resident's report (the district's promise to whoever reports).</summary>
    public static bool PromisesOnSite(Alert alert) => alert.Severity == AlertSeverity.Critical || alert.Type == AlertType.ResidentReport;

    /// <summary>The escalations due now, in the order they fell due.</summary>
    public IEnumerable<string> Due(Alert alert, DateTimeOffset now)
    {
        if (alert.State == AlertState.Active && now - alert.ActiveSince >= AcknowledgeWithin && !alert.HasEscalated(AlertEscalation.NotAcknowledged))
        {
            yield return AlertEscalation.NotAcknowledged;
        }

        if (AwaitsArrival(alert) && now - alert.ActiveSince >= ArriveWithin)
        {
            yield return AlertEscalation.NotOnSite;
        }
    }

    /// <summary>When the next escalation of this alert falls due, if any (timers are derived, so they survive restarts).</summary>
    public DateTimeOffset? NextDue(Alert alert)
    {
        DateTimeOffset? next = null;
        if (alert.State == AlertState.Active && !alert.HasEscalated(AlertEscalation.NotAcknowledged))
        {
            next = alert.ActiveSince + AcknowledgeWithin;
        }

        if (AwaitsArrival(alert))
        {
            var arriveDue = alert.ActiveSince + ArriveWithin;
            next = next is null || arriveDue < next ? arriveDue : next;
        }

        return next;
    }

    /// <summary>When someone must be on site for this activation of the alert; null for alerts without the on-site promise.</summary>
    public DateTimeOffset? ArriveDueAt(Alert alert) => PromisesOnSite(alert) ? alert.ActiveSince + ArriveWithin : null;

    // An alert escalated as not_resolved before an upgrade has been escalated for this promise already.
    private static bool AwaitsArrival(Alert alert) =>
        PromisesOnSite(alert) && alert.IsOpen && alert.ArrivedAt is null
        && !alert.HasEscalated(AlertEscalation.NotOnSite) && !alert.HasEscalated(AlertEscalation.NotResolved);
}
