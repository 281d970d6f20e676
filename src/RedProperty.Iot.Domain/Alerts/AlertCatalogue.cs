using RedProperty.Iot.Domain.Contract;

namespace RedProperty.Iot.Domain.Alerts;

/// <summary>The alert types of the catalogue; wire names are the ones clients see.</summary>
public enum AlertType
{
    FlyingWireCharging,
    ChargerOverheat,
    BrokenLight,
    ElevatorFault,
    ElevatorEntrapment,
    EbikeInElevator,
    CameraTamper,
    DeviceOffline,

    /// <summary>The edge box cannot read a camera's stream (its own probe, not device traffic).</summary>
    CameraStreamDown,

    /// <summary>The edge box's cabinet was opened (tamper switch on a GPIO input).</summary>
    EdgeTamper,

    /// <summary>The panic button at the gate was pressed (GPIO input).</summary>
    PanicButton,

    /// <summary>A resident reported a problem at a place by its sticker (what no sensor sees).</summary>
    ResidentReport,
}

public enum AlertSeverity
{
    Minor,
    Major,
    Critical,
}

public enum AlertState
{
    Active,
    Acknowledged,
    Resolved,
}

/// <summary>What raised an alert, as far as the rule can tell; the clearing policy may depend on it.</summary>
public enum AlertCause
{
    /// <summary>A reading (or silence) met the type's condition.</summary>
    Condition,

    /// <summary>A person raised it: an elevator car's alarm button, the gate's panic button, a resident's report.</summary>
    Person,

    /// <summary>A charger reported smoke.</summary>
    Smoke,
}

/// <summary>Who may close an alert once its condition has cleared.</summary>
public enum AlertClearing
{
    /// <summary>The system resolves it when the condition clears (it may still reopen).</summary>
    Automatic,

    /// <summary>Never the system: when the condition clears the alert says so and waits for a person to resolve it.</summary>
    Staff,
}

/// <summary>How a worker's arrival at the scene was established.</summary>
public enum ArrivalProof
{
    /// <summary>The worker opened the link of the QR sticker posted at the place.</summary>
    Sticker,

    /// <summary>The desk confirmed it, with a reason (a phone call, the camera, no sticker there).</summary>
    Desk,
}

public static class AlertCatalogue
{
    public static IReadOnlyList<AlertType> All { get; } = Enum.GetValues<AlertType>();

    public static string ToWire(this AlertType type) => type switch
    {
        AlertType.FlyingWireCharging => "flying_wire_charging",
        AlertType.ChargerOverheat => "charger_overheat",
        AlertType.BrokenLight => "broken_light",
        AlertType.ElevatorFault => "elevator_fault",
        AlertType.ElevatorEntrapment => "elevator_entrapment",
        AlertType.EbikeInElevator => "ebike_in_elevator",
        AlertType.CameraTamper => "camera_tamper",
        AlertType.DeviceOffline => "device_offline",
        AlertType.CameraStreamDown => "camera_stream_down",
        AlertType.EdgeTamper => "edge_tamper",
        AlertType.PanicButton => "panic_button",
        AlertType.ResidentReport => "resident_report",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static bool TryParse(string? text, out AlertType type) => TryParseWire(text, static t => t.ToWire(), out type);

    public static string ToWire(this AlertSeverity severity) => severity switch
    {
        AlertSeverity.Minor => "minor",
        AlertSeverity.Major => "major",
        AlertSeverity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, null),
    };

    public static string ToWire(this AlertState state) => state switch
    {
        AlertState.Active => "active",
        AlertState.Acknowledged => "acknowledged",
        AlertState.Resolved => "resolved",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static string ToWire(this AlertCause cause) => cause switch
    {
        AlertCause.Condition => "condition",
        AlertCause.Person => "person",
        AlertCause.Smoke => "smoke",
        _ => throw new ArgumentOutOfRangeException(nameof(cause), cause, null),
    };

    public static string ToWire(this AlertClearing clearing) => clearing switch
    {
        AlertClearing.Automatic => "auto",
        AlertClearing.Staff => "staff",
        _ => throw new ArgumentOutOfRangeException(nameof(clearing), clearing, null),
    };

    public static string ToWire(this ArrivalProof proof) => proof switch
    {
        ArrivalProof.Sticker => "sticker",
        ArrivalProof.Desk => "desk",
        _ => throw new ArgumentOutOfRangeException(nameof(proof), proof, null),
    };

    public static bool TryParse(string? text, out ArrivalProof proof) => TryParseWire(text, static p => p.ToWire(), out proof);

    public static bool TryParse(string? text, out AlertSeverity severity) => TryParseWire(text, static s => s.ToWire(), out severity);

    public static bool TryParse(string? text, out AlertCause cause) => TryParseWire(text, static c => c.ToWire(), out cause);

    public static bool TryParse(string? text, out AlertClearing clearing) => TryParseWire(text, static c => c.ToWire(), out clearing);

    public static bool TryParse(string? text, out AlertState state) => TryParseWire(text, static s => s.ToWire(), out state);

    private static bool TryParseWire<T>(string? text, Func<T, string> toWire, out T value)
        where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (toWire(candidate) == text)
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>
    /// Who may close an alert when its condition clears, by default. An alarm a person raised (an elevator
    /// car's alarm button, the gate's panic button, and any type a person raises later, such as a resident's
    /// report) and smoke are life safety: a person must answer them, so the system never closes them.
    /// Everything else may clear itself. <see cref="ClearingPolicy"/> applies the configured overrides.
    /// </summary>
    public static AlertClearing DefaultClearing(AlertType type, AlertCause cause) =>
        cause is AlertCause.Person or AlertCause.Smoke || type is AlertType.PanicButton or AlertType.ResidentReport ? AlertClearing.Staff : AlertClearing.Automatic;

    /// <summary>Default severity of a type (device_offline depends on what went offline).</summary>
    public static AlertSeverity SeverityOf(AlertType type, DeviceKind kind) => type switch
    {
        AlertType.ChargerOverheat or AlertType.ElevatorEntrapment or AlertType.PanicButton => AlertSeverity.Critical,
        AlertType.BrokenLight => AlertSeverity.Minor,
        AlertType.DeviceOffline => kind is DeviceKind.Camera or DeviceKind.Elevator ? AlertSeverity.Major : AlertSeverity.Minor,
        _ => AlertSeverity.Major,
    };
}
