namespace RedProperty.Iot.Domain.Contract;

/// <summary>What every decoded device message may carry: the device clock and its counter.</summary>
public abstract record DeviceMessage
{
    /// <summary>Unix epoch milliseconds from the device clock, if sent.</summary>
    public long? Ts { get; init; }

    /// <summary>Per-device counter, if sent.</summary>
    public long? Seq { get; init; }
}

/// <summary>
/// A reading of one kind. Each kind declares its fields once, in its <c>Contract</c> (wire name, JSON
/// type and range, unit, place in the time series), beside the typed properties the rules read.
/// </summary>
public abstract record DeviceTelemetry : DeviceMessage
{
    public abstract DeviceKind Kind { get; }
}

public sealed record CameraTelemetry : DeviceTelemetry
{
    public static TelemetryContract Contract { get; } = TelemetryContract.Of<CameraTelemetry>(DeviceKind.Camera)
        .Bool("online", t => t.Online)
        .Bool("motion", t => t.Motion)
        .Integer("persons", 0, 100_000, t => t.Persons)
        .Bool("ebike", t => t.Ebike)
        .Bool("tamper", t => t.Tamper)
        .Number("fps", 0, 1_000, "frames/s", t => t.Fps)
        .Build((in v) => new()
        {
            Ts = v.Ts, Seq = v.Seq, Online = v.Bool(0), Motion = v.Bool(1), Persons = v.Integer(2), Ebike = v.Bool(3), Tamper = v.Bool(4), Fps = v.Number(5),
        });

    public override DeviceKind Kind => DeviceKind.Camera;

    public bool? Online { get; init; }

    public bool? Motion { get; init; }

    public long? Persons { get; init; }

    /// <summary>An e-bike in the picture.</summary>
    public bool? Ebike { get; init; }

    /// <summary>The lens covered or moved.</summary>
    public bool? Tamper { get; init; }

    public double? Fps { get; init; }
}

public sealed record LightTelemetry : DeviceTelemetry
{
    public static TelemetryContract Contract { get; } = TelemetryContract.Of<LightTelemetry>(DeviceKind.Light)
        .Bool("on", t => t.On)
        .Number("lux", 0, 200_000, "lx", t => t.Lux)
        .Number("currentA", 0, 1_000, "A", t => t.CurrentA)
        .Number("voltageV", 0, 1_000, "V", t => t.VoltageV)
        .Build((in v) => new() { Ts = v.Ts, Seq = v.Seq, On = v.Bool(0), Lux = v.Number(1), CurrentA = v.Number(2), VoltageV = v.Number(3) });

    public override DeviceKind Kind => DeviceKind.Light;

    /// <summary>The lamp is switched on.</summary>
    public bool? On { get; init; }

    /// <summary>Light at the fixture.</summary>
    public double? Lux { get; init; }

    public double? CurrentA { get; init; }

    public double? VoltageV { get; init; }
}

public sealed record ElevatorTelemetry : DeviceTelemetry
{
    public static TelemetryContract Contract { get; } = TelemetryContract.Of<ElevatorTelemetry>(DeviceKind.Elevator)
        .Integer("floor", -50, 300, t => t.Floor)
        .Bool("doorOpen", t => t.DoorOpen)
        .Bool("running", t => t.Running)
        .Bool("occupied", t => t.Occupied)
        .Code("fault", PayloadDecoder.MaxFaultLength, flag: "faulted", t => t.FaultReported, t => t.Fault)
        .Number("speedMps", -20, 20, "m/s", t => t.SpeedMps)
        .Build((in v) => new()
        {
            Ts = v.Ts, Seq = v.Seq, Floor = v.Integer(0), DoorOpen = v.Bool(1), Running = v.Bool(2), Occupied = v.Bool(3),
            FaultReported = v.IsSet(4), Fault = v.Text(4), SpeedMps = v.Number(5),
        });

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
    /// <summary>Every circuit's wire name, in declaration order.</summary>
    public static IReadOnlyList<string> WireNames { get; } = [.. Enum.GetValues<ChargerCircuit>().Select(c => c.ToWire())];

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
    public static TelemetryContract Contract { get; } = TelemetryContract.Of<ChargerTelemetry>(DeviceKind.Charger)
        .Tag("circuit", 16, ChargerCircuits.WireNames, t => t.Circuit?.ToWire())
        .Number("currentA", 0, 1_000, "A", t => t.CurrentA)
        .Number("voltageV", 0, 1_000, "V", t => t.VoltageV)
        .Number("powerW", 0, 1_000_000, "W", t => t.PowerW)
        .Number("tempC", -60, 300, "°C", t => t.TempC)
        .Bool("plugged", t => t.Plugged)
        .Bool("smoke", t => t.Smoke)
        .Build((in v) => new()
        {
            Ts = v.Ts, Seq = v.Seq, Circuit = ChargerCircuits.TryParse(v.Text(0), out var circuit) ? circuit : null,
            CurrentA = v.Number(1), VoltageV = v.Number(2), PowerW = v.Number(3), TempC = v.Number(4), Plugged = v.Bool(5), Smoke = v.Bool(6),
        });

    public override DeviceKind Kind => DeviceKind.Charger;

    /// <summary>The circuit the charger is on; when absent, the registry's.</summary>
    public ChargerCircuit? Circuit { get; init; }

    public double? CurrentA { get; init; }

    public double? VoltageV { get; init; }

    public double? PowerW { get; init; }

    public double? TempC { get; init; }

    /// <summary>An authorised charging plug is in use.</summary>
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
