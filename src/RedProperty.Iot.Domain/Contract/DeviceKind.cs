namespace RedProperty.Iot.Domain.Contract;

/// <summary>The four kinds of device the contract knows (the topic's second segment), and the edge box itself.</summary>
public enum DeviceKind
{
    Camera,
    Light,
    Elevator,
    Charger,

    /// <summary>The edge box's own inputs (cabinet tamper, panic button): never a registry device or a topic.</summary>
    Edge,

    /// <summary>A resident's report from a place's sticker: never a registry device or a topic.</summary>
    Resident,
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
        DeviceKind.Edge => "edge",
        DeviceKind.Resident => "resident",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Any kind an alert can be about, the edge box included (stored alerts); devices and topics use <see cref="TryParse"/>.</summary>
    public static bool TryParseAlertSource(ReadOnlySpan<char> text, out DeviceKind kind)
    {
        if (text is "edge")
        {
            kind = DeviceKind.Edge;
            return true;
        }

        if (text is "resident")
        {
            kind = DeviceKind.Resident;
            return true;
        }

        return TryParse(text, out kind);
    }

    /// <summary>A device kind of the contract (topics, registry): never <see cref="DeviceKind.Edge"/>.</summary>
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
