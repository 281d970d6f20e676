using RedProperty.Iot.Registry;

namespace RedProperty.Iot.Alerts;

public enum AlertSignalKind
{
    /// <summary>The condition holds: raise the alert, or count a repeat of the open one.</summary>
    Raise,

    /// <summary>The clear condition holds: resolve the open alert automatically (or, for one only staff may close, mark its condition cleared).</summary>
    Clear,
}

/// <summary>What a rule concluded from a reading or from the passing of time, and (for a raise) what caused it.</summary>
public sealed record AlertSignal(AlertSignalKind Kind, AlertType Type, Device Device, AlertSeverity Severity, string Message, AlertCause Cause = AlertCause.Condition)
{
    public AlertKey Key => new(Device.Site, Device.Id, Type);
}
