namespace RedProperty.Iot.Domain.Alerts;

/// <summary>
/// An entry of the audit trail: who did what, when, with what note. A note the system wrote (raised,
/// reopened, cleared) also comes as a <see cref="Fact"/>, for the desk to write in the user's language.
/// </summary>
public sealed record AlertTransition(DateTimeOffset At, string Action, string By, string? Note, AlertSeverity Severity, AlertFact? Fact = null)
{
    public const string Raised = "raised";
    public const string Acknowledged = "acknowledged";

    /// <summary>A worker set out for the scene (optional between acknowledged and arrived).</summary>
    public const string OnTheWay = "on_the_way";

    /// <summary>Dispatched to a member of staff (by the system's roster, or reassigned by the desk); the note names whom.</summary>
    public const string Assigned = "assigned";

    /// <summary>A worker is at the scene; the note says how that was established (the sticker's place, or the desk's reason).</summary>
    public const string Arrived = "arrived";
    public const string Resolved = "resolved";
    public const string Cleared = "cleared";
    public const string Reopened = "reopened";
    public const string Escalated = "escalated";
    public const string SeverityChanged = "severity_changed";

    /// <summary>The condition of an alert only staff may close has cleared; the alert stays open for a person.</summary>
    public const string ConditionCleared = "condition_cleared";

    /// <summary>The condition came back while such an alert waited for a person.</summary>
    public const string ConditionReturned = "condition_returned";

    /// <summary>An open alert the system could close was raised again for a cause only staff may close (smoke, an alarm button).</summary>
    public const string StaffRequired = "staff_required";
}
