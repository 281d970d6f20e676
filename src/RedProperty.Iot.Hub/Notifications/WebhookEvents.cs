namespace RedProperty.Iot.Hub.Notifications;

/// <summary>The events a site's webhook is told, from the alert transitions that make them.</summary>
public static class WebhookEvents
{
    public const string Raised = "alert.raised";
    public const string Escalated = "alert.escalated";
    public const string Resolved = "alert.resolved";

    public static readonly string[] All = [Raised, Escalated, Resolved];

    /// <summary>The event an alert transition makes, if any: a raise or reopen, an escalation, a resolve or the system's clear.</summary>
    public static string? Of(string transition) => transition switch
    {
        AlertTransition.Raised or AlertTransition.Reopened => Raised,
        AlertTransition.Escalated => Escalated,
        AlertTransition.Resolved or AlertTransition.Cleared => Resolved,
        _ => null,
    };
}
