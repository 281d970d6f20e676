using RedProperty.Iot.Domain.Registry;

namespace RedProperty.Iot.Domain.Alerts;

public enum AlertSignalKind
{
    /// <summary>The condition holds: raise the alert, or count a repeat of the open one.</summary>
    Raise,

    /// <summary>The clear condition holds: resolve the open alert automatically (or, for one only staff may close, mark its condition cleared).</summary>
    Clear,
}

/// <summary>
/// What a rule concluded from a reading or from the passing of time, and (for a raise) what caused it.
/// <see cref="Fact"/> is the finding as data (the desk writes it in the user's language); <see cref="Message"/>
/// is its English sentence.
/// </summary>
public sealed record AlertSignal(AlertSignalKind Kind, AlertType Type, Device Device, AlertSeverity Severity, string Message, AlertFact? Fact = null, AlertCause Cause = AlertCause.Condition)
{
    public AlertSignal(AlertSignalKind kind, AlertType type, Device device, AlertSeverity severity, AlertFact fact, AlertCause cause = AlertCause.Condition)
        : this(kind, type, device, severity, fact.Message, fact, cause)
    {
    }

    public AlertKey Key => new(Device.Site, Device.Id, Type);
}
