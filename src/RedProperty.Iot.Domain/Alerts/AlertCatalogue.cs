using RedProperty.Iot.Contract;

namespace RedProperty.Iot.Alerts;

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

    public static bool TryParse(string? text, out AlertSeverity severity) => TryParseWire(text, static s => s.ToWire(), out severity);

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

    /// <summary>Default severity of a type (device_offline depends on what went offline).</summary>
    public static AlertSeverity SeverityOf(AlertType type, DeviceKind kind) => type switch
    {
        AlertType.ChargerOverheat or AlertType.ElevatorEntrapment or AlertType.PanicButton => AlertSeverity.Critical,
        AlertType.BrokenLight => AlertSeverity.Minor,
        AlertType.DeviceOffline => kind is DeviceKind.Camera or DeviceKind.Elevator ? AlertSeverity.Major : AlertSeverity.Minor,
        _ => AlertSeverity.Major,
    };
}
