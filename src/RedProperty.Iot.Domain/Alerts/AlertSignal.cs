using RedProperty.Iot.Registry;

namespace RedProperty.Iot.Alerts;

public enum AlertSignalKind
{
    /// <summary>The condition holds: raise the alert, or count a repeat of the open one.</summary>
    Raise,

    /// <summary>The clear condition holds: resolve the open alert automatically.</summary>
    Clear,
}

/// <summary>What a rule concluded from a reading or from the passing of time.</summary>
public sealed record AlertSignal(AlertSignalKind Kind, AlertType Type, Device Device, AlertSeverity Severity, string Message)
{
    public AlertKey Key => new(Device.Site, Device.Id, Type);
}
