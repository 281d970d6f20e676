namespace RedProperty.Iot.Contract;

/// <summary>What every decoded device message may carry: the device clock and its counter.</summary>
public abstract record DeviceMessage
{
    /// <summary>Unix epoch milliseconds from the device clock, if sent.</summary>
    public long? Ts { get; init; }

    /// <summary>Per-device counter, if sent.</summary>
    public long? Seq { get; init; }
}

public abstract record DeviceTelemetry : DeviceMessage
{
    public abstract DeviceKind Kind { get; }
}

public sealed record CameraTelemetry : DeviceTelemetry
{
    public override DeviceKind Kind => DeviceKind.Camera;

    public bool? Online { get; init; }

    public bool? Motion { get; init; }

    public long? Persons { get; init; }

    public bool? Ebike { get; init; }

    public bool? Tamper { get; init; }

    public double? Fps { get; init; }
}

public sealed record LightTelemetry : DeviceTelemetry
{
    public override DeviceKind Kind => DeviceKind.Light;

    public bool? On { get; init; }

    public double? Lux { get; init; }

    public double? CurrentA { get; init; }

    public double? VoltageV { get; init; }
}

public sealed record ElevatorTelemetry : DeviceTelemetry
{
    public override DeviceKind Kind => DeviceKind.Elevator;

    public long? Floor { get; init; }

    public bool? DoorOpen { get; init; }

    public bool? Running { get; init; }

    public bool? Occupied { get; init; }

    /// <summary>Whether the payload said anything about <see cref="Fault"/>; <c>"fault": null</c> means "no fault".</summary>
    public bool FaultReported { get; init; }

    /// <summary>The controller's fault code, or null when there is none.</summary>
    public string? Fault { get; init; }

    public double? SpeedMps { get; init; }
}

public enum ChargerCircuit
{
    Station,
    Parking,
    Corridor,
    Stairwell,
}

public static class ChargerCircuits
{
    public static string ToWire(this ChargerCircuit circuit) => circuit switch
    {
        ChargerCircuit.Station => "station",
        ChargerCircuit.Parking => "parking",
        ChargerCircuit.Corridor => "corridor",
        ChargerCircuit.Stairwell => "stairwell",
        _ => throw new ArgumentOutOfRangeException(nameof(circuit), circuit, null),
    };

    public static bool TryParse(ReadOnlySpan<char> text, out ChargerCircuit circuit)
    {
        switch (text)
        {
            case "station": circuit = ChargerCircuit.Station; return true;
            case "parking": circuit = ChargerCircuit.Parking; return true;
            case "corridor": circuit = ChargerCircuit.Corridor; return true;
            case "stairwell": circuit = ChargerCircuit.Stairwell; return true;
            default: circuit = default; return false;
        }
    }
}

public sealed record ChargerTelemetry : DeviceTelemetry
{
    public override DeviceKind Kind => DeviceKind.Charger;

    public ChargerCircuit? Circuit { get; init; }

    public double? CurrentA { get; init; }

    public double? VoltageV { get; init; }

    public double? PowerW { get; init; }

    public double? TempC { get; init; }

    public bool? Plugged { get; init; }

    public bool? Smoke { get; init; }
}

/// <summary>A discrete event, e.g. <c>{"type":"alarm_button"}</c> or <c>{"type":"ebike_detected","confidence":0.93}</c>.</summary>
public sealed record DeviceEvent : DeviceMessage
{
    public required string Type { get; init; }

    /// <summary>Detection confidence in [0, 1], for detection events.</summary>
    public double? Confidence { get; init; }

    /// <summary>Further scalar fields of the event (number, bool or string), kept for the time series.</summary>
    public IReadOnlyList<KeyValuePair<string, object>> Attributes { get; init; } = [];
}

public enum DeviceStatus
{
    Online,
    Offline,
}
