using RedProperty.Iot.Domain.Contract;

namespace RedProperty.Iot.FirmwareSim.Scenarios;

/// <summary>What can go wrong with a simulated device (the failure modes a scenario scripts).</summary>
public enum Failure
{
    // light
    DeadLamp,
    Flicker,
    StuckOn,

    // elevator
    Fault,
    Entrapment,
    AlarmButton,

    // charger
    FlyingWire,
    UnpluggedDraw,
    Overheat,
    Smoke,

    // camera
    Tamper,
    Ebike,

    // any kind
    Offline,
}

public static class Failures
{
    public static string ToWire(this Failure failure) => failure switch
    {
        Failure.DeadLamp => "dead_lamp",
        Failure.Flicker => "flicker",
        Failure.StuckOn => "stuck_on",
        Failure.Fault => "fault",
        Failure.Entrapment => "entrapment",
        Failure.AlarmButton => "alarm_button",
        Failure.FlyingWire => "flying_wire",
        Failure.UnpluggedDraw => "unplugged_draw",
        Failure.Overheat => "overheat",
        Failure.Smoke => "smoke",
        Failure.Tamper => "tamper",
        Failure.Ebike => "ebike",
        Failure.Offline => "offline",
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };

    public static bool TryParse(string? text, out Failure failure)
    {
        foreach (var candidate in Enum.GetValues<Failure>())
        {
            if (candidate.ToWire() == text)
            {
                failure = candidate;
                return true;
            }
        }

        failure = default;
        return false;
    }

    /// <summary>Which kinds of device a failure can happen to.</summary>
    public static bool AppliesTo(this Failure failure, DeviceKind kind) => failure switch
    {
        Failure.DeadLamp or Failure.Flicker or Failure.StuckOn => kind == DeviceKind.Light,
        Failure.Fault or Failure.Entrapment or Failure.AlarmButton => kind == DeviceKind.Elevator,
        Failure.FlyingWire or Failure.UnpluggedDraw or Failure.Overheat or Failure.Smoke => kind == DeviceKind.Charger,
        Failure.Tamper or Failure.Ebike => kind == DeviceKind.Camera,
        _ => true,
    };
}

/// <summary>A scripted failure: a device, what goes wrong, from when (offset from the start) and for how long.</summary>
public sealed record Incident(string Site, string DeviceId, Failure Failure, TimeSpan From, TimeSpan? For)
{
    public bool IsActive(TimeSpan at) => at >= From && (For is not { } length || at < From + length);
}

/// <summary>How fast a scenario or capture is played: a factor on real time, or as fast as possible.</summary>
public readonly record struct Pace(double Speed)
{
    public static Pace AsFastAsPossible { get; } = new(double.PositiveInfinity);

    public bool IsMax => double.IsPositiveInfinity(Speed);

    public static bool TryParse(string? text, out Pace pace)
    {
        if (text is "max")
        {
            pace = AsFastAsPossible;
            return true;
        }

        var number = text?.TrimStart('x', '×');
        if (double.TryParse(number, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var speed) && speed > 0 && double.IsFinite(speed))
        {
            pace = new Pace(speed);
            return true;
        }

        pace = default;
        return false;
    }

    public override string ToString() => IsMax ? "max" : $"×{Speed:0.##}";
}

/// <summary>A compiled scenario: the compound (as a registry would list it), the timeline's parameters and the incidents.</summary>
public sealed record Scenario(
    int Seed,
    DateTimeOffset Start,
    TimeSpan Duration,
    Pace Pace,
    IReadOnlyDictionary<DeviceKind, TimeSpan> Intervals,
    IReadOnlyDictionary<DeviceChannel, MQTTnet.Protocol.MqttQualityOfServiceLevel> Qos,
    IReadOnlyList<SimSite> Sites,
    IReadOnlyList<Incident> Incidents)
{
    public IEnumerable<SimDevice> Devices => Sites.SelectMany(s => s.Devices);

    public TimeSpan IntervalOf(DeviceKind kind) => Intervals[kind];
}

public sealed record SimSite(string Id, string Name, string TimeZone, double? Latitude, double? Longitude, IReadOnlyList<SimZone> Zones, IReadOnlyList<SimDevice> Devices);

public sealed record SimZone(string Id, string Name, string Type);

public sealed record SimDevice(string Site, string Id, DeviceKind Kind, string Zone, string Location, ChargerCircuit? Circuit, bool InElevatorCar);
