namespace RedProperty.Iot.Domain.Alerts;

/// <summary>The district's promises: respond within 15 minutes, someone on site within 30 (critical).</summary>
public sealed record EscalationPolicy(TimeSpan AcknowledgeWithin, TimeSpan ResolveCriticalWithin)
{
    public static EscalationPolicy Default { get; } = new(TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30));

    /// <summary>The window in which a resolved alert that fires again is reopened.</summary>
    public static TimeSpan ReopenWindow { get; } = TimeSpan.FromMinutes(5);

    /// <summary>The escalations due now, in the order they fell due.</summary>
    public IEnumerable<string> Due(Alert alert, DateTimeOffset now)
    {
        if (alert.State == AlertState.Active && now - alert.ActiveSince >= AcknowledgeWithin && !alert.HasEscalated(AlertEscalation.NotAcknowledged))
        {
            yield return AlertEscalation.NotAcknowledged;
        }

        if (alert.Severity == AlertSeverity.Critical && alert.IsOpen && now - alert.ActiveSince >= ResolveCriticalWithin && !alert.HasEscalated(AlertEscalation.NotResolved))
        {
            yield return AlertEscalation.NotResolved;
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

        if (alert.Severity == AlertSeverity.Critical && alert.IsOpen && !alert.HasEscalated(AlertEscalation.NotResolved))
        {
            var resolveDue = alert.ActiveSince + ResolveCriticalWithin;
            next = next is null || resolveDue < next ? resolveDue : next;
        }

        return next;
    }
}
