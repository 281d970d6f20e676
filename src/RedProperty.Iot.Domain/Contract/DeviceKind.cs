namespace RedProperty.Iot.Contract;

/// <summary>The four kinds of device the contract knows; the topic's second segment.</summary>
public enum DeviceKind
{
    Camera,
    Light,
    Elevator,
    Charger,
}

public static class DeviceKinds
{
    public static IReadOnlyList<DeviceKind> All { get; } = [DeviceKind.Camera, DeviceKind.Light, DeviceKind.Elevator, DeviceKind.Charger];

    public static string ToWire(this DeviceKind kind) => kind switch
    {
        DeviceKind.Camera => "camera",
        DeviceKind.Light => "light",
        DeviceKind.Elevator => "elevator",
        DeviceKind.Charger => "charger",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static bool TryParse(ReadOnlySpan<char> text, out DeviceKind kind)
    {
        switch (text)
        {
            case "camera": kind = DeviceKind.Camera; return true;
            case "light": kind = DeviceKind.Light; return true;
            case "elevator": kind = DeviceKind.Elevator; return true;
            case "charger": kind = DeviceKind.Charger; return true;
            default: kind = default; return false;
        }
    }
}
