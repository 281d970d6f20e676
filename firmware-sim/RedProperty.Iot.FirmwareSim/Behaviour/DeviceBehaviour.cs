using System.Globalization;
using System.Text;
using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.FirmwareSim.Scenarios;

namespace RedProperty.Iot.FirmwareSim.Behaviour;

/// <summary>
/// What one simulated device reports at a moment of simulated time, healthy or failing. Each device
/// has its own random generator, so a seed gives the same traffic whatever else the scenario holds.
/// </summary>
public abstract class DeviceBehaviour(SimDevice device, SimSite site, Random random)
{
    protected SimDevice Device { get; } = device;

    protected SimSite Site { get; } = site;

    protected Random Random { get; } = random;

    /// <summary>The telemetry fields at <paramref name="at"/> given the failures active then.</summary>
    public abstract IReadOnlyList<(string Name, object? Value)> Telemetry(DateTimeOffset at, IReadOnlySet<Failure> failures);

    /// <summary>Events a failure fires when it starts (e.g. the alarm button); none by default.</summary>
    public virtual IReadOnlyList<string> EventsOnStart(Failure failure) => [];

    public static DeviceBehaviour For(SimDevice device, SimSite site, Random random) => device.Kind switch
    {
        DeviceKind.Light => new LightBehaviour(device, site, random),
        DeviceKind.Elevator => new ElevatorBehaviour(device, site, random),
        DeviceKind.Charger => new ChargerBehaviour(device, site, random),
        DeviceKind.Camera => new CameraBehaviour(device, site, random),
        _ => throw new ArgumentOutOfRangeException(nameof(device)),
    };

    /// <summary>The sun below the horizon at the site (as the hub decides night), or 18:00-06:00 without coordinates.</summary>
    protected bool IsDark(DateTimeOffset at)
    {
        if (Site.Latitude is { } latitude && Site.Longitude is { } longitude)
        {
            return SolarDarkness.SunElevationDegrees(latitude, longitude, at) < SolarDarkness.DarkBelowDegrees;
        }

        var hour = LocalHour(at);
        return hour is >= 18 or < 6;
    }

    protected double LocalHour(DateTimeOffset at)
    {
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(Site.TimeZone, out var z) ? z : TimeZoneInfo.Utc;
        return TimeZoneInfo.ConvertTime(at, zone).TimeOfDay.TotalHours;
    }

    protected double Between(double low, double high) => Math.Round(low + (Random.NextDouble() * (high - low)), 2);

    public static string Json(IReadOnlyList<(string Name, object? Value)> fields, long seq, long ts)
    {
        var json = new StringBuilder(160).Append('{');
        foreach (var (name, value) in fields)
        {
            json.Append('"').Append(name).Append("\":");
            switch (value)
            {
                case null: json.Append("null"); break;
                case bool b: json.Append(b ? "true" : "false"); break;
                case string s: json.Append('"').Append(s).Append('"'); break;
                case IFormattable f: json.Append(f.ToString(null, CultureInfo.InvariantCulture)); break;
            }

            json.Append(',');
        }

        return json.Append("\"seq\":").Append(seq).Append(",\"ts\":").Append(ts).Append('}').ToString();
    }
}

/// <summary>A stairwell or plaza lamp: on from dusk to dawn; lux and current follow on/off.</summary>
public sealed class LightBehaviour(SimDevice device, SimSite site, Random random) : DeviceBehaviour(device, site, random)
{
    private readonly double _lampLux = 35 + (random.NextDouble() * 25);
    private readonly double _lampCurrent = 0.17 + (random.NextDouble() * 0.06);
    private bool _flickerBright;

    public override IReadOnlyList<(string Name, object? Value)> Telemetry(DateTimeOffset at, IReadOnlySet<Failure> failures)
    {
        var dark = IsDark(at);
        var on = dark || failures.Contains(Failure.StuckOn);
        var ambient = dark ? Between(0, 1.5) : Between(800, 20000);
        double lux, current;
        if (!on)
        {
            (lux, current) = (ambient, 0);
        }
        else if (failures.Contains(Failure.DeadLamp))
        {
            // Switched on, but the lamp gives no light and draws nothing.
            (lux, current) = (Between(0, 1), 0);
        }
        else if (failures.Contains(Failure.Flicker))
        {
            _flickerBright = !_flickerBright;
            (lux, current) = _flickerBright ? (Math.Round(ambient + (_lampLux * 0.8), 1), Between(0.12, 0.2)) : (Between(1, 3), Between(0.01, 0.04));
        }
        else
        {
            (lux, current) = (Math.Round(ambient + _lampLux + Between(-2, 2), 1), Math.Round(_lampCurrent + Between(-0.01, 0.01), 3));
        }

        return [("on", on), ("lux", lux), ("currentA", current), ("voltageV", Between(216, 226))];
    }
}

/// <summary>An elevator car: idle spells, boarding with the door open, trips between floors; faults and entrapment.</summary>
public sealed class ElevatorBehaviour(SimDevice device, SimSite site, Random random) : DeviceBehaviour(device, site, random)
{
    private readonly int _floors = random.Next(11, 34);
    private long _floor = 1;

    public override IReadOnlyList<(string Name, object? Value)> Telemetry(DateTimeOffset at, IReadOnlySet<Failure> failures)
    {
        if (failures.Contains(Failure.Entrapment))
        {
            // Stopped between floors with someone inside and the door shut: the entrapment signature.
            return [("floor", _floor), ("doorOpen", false), ("running", false), ("occupied", true), ("fault", null), ("speedMps", 0.0)];
        }

        if (failures.Contains(Failure.Fault))
        {
            return [("floor", _floor), ("doorOpen", false), ("running", false), ("occupied", false), ("fault", "E30"), ("speedMps", 0.0)];
        }

        var hour = LocalHour(at);
        var busy = hour is >= 7 and < 9.5 or >= 17 and < 21 ? 0.7 : hour is >= 23 or < 6 ? 0.1 : 0.4;
        var roll = Random.NextDouble();
        if (roll < busy * 0.7)
        {
            // A trip: door shut, moving, occupied.
            _floor = Random.Next(1, _floors + 1);
            return [("floor", _floor), ("doorOpen", false), ("running", true), ("occupied", true), ("fault", null), ("speedMps", Between(1.0, 2.5))];
        }

        if (roll < busy)
        {
            // Boarding or leaving: stopped with the door open; an occupied car never stands with the door shut.
            return [("floor", _floor), ("doorOpen", true), ("running", false), ("occupied", Random.NextDouble() < 0.6), ("fault", null), ("speedMps", 0.0)];
        }

        return [("floor", _floor), ("doorOpen", false), ("running", false), ("occupied", false), ("fault", null), ("speedMps", 0.0)];
    }

    public override IReadOnlyList<string> EventsOnStart(Failure failure) =>
        failure == Failure.AlarmButton ? ["""{"type":"alarm_button"}"""] : [];
}

/// <summary>
/// A charging circuit. Stations and authorised car-park plugs charge e-bikes in sessions (about 1-3 A
/// at 220 V, tapering off as the battery fills); corridor and stairwell circuits only leak a little,
/// because charging there is flying-wire charging.
/// </summary>
public sealed class ChargerBehaviour(SimDevice device, SimSite site, Random random) : DeviceBehaviour(device, site, random)
{
    private DateTimeOffset? _sessionStart;
    private DateTimeOffset _sessionEnd;
    private DateTimeOffset? _illegalStart;

    private string Circuit => (Device.Circuit ?? ChargerCircuit.Station).ToWire();

    private bool Authorised => Device.Circuit is null or ChargerCircuit.Station or ChargerCircuit.Parking;

    public override IReadOnlyList<(string Name, object? Value)> Telemetry(DateTimeOffset at, IReadOnlySet<Failure> failures)
    {
        double current;
        var plugged = false;
        if (failures.Contains(Failure.FlyingWire) || failures.Contains(Failure.UnpluggedDraw))
        {
            _illegalStart ??= at;
            current = Curve(at - _illegalStart.Value);
        }
        else
        {
            _illegalStart = null;
            if (Authorised && _sessionStart is null && Random.NextDouble() < SessionChance(at))
            {
                _sessionStart = at;
                _sessionEnd = at + TimeSpan.FromMinutes(120 + Random.Next(0, 180));
            }

            if (_sessionStart is { } start && at >= _sessionEnd)
            {
                _sessionStart = null;
            }

            plugged = _sessionStart is not null;
            current = _sessionStart is { } s ? Curve(at - s) : Between(0, 0.1);
        }

        var temp = Between(22, 32) + (current > 0.5 ? 4 : 0);
        if (failures.Contains(Failure.Overheat))
        {
            temp = Between(74, 82);
        }

        var voltage = Between(216, 226);
        return
        [
            ("circuit", Circuit), ("currentA", Math.Round(current, 2)), ("voltageV", voltage), ("powerW", Math.Round(current * voltage, 1)),
            ("tempC", Math.Round(temp, 1)), ("plugged", plugged), ("smoke", failures.Contains(Failure.Smoke)),
        ];
    }

    /// <summary>An e-bike charger: about 2.8 A at first, tapering towards 0.3 A over a few hours.</summary>
    private double Curve(TimeSpan elapsed) => 0.3 + (2.5 * Math.Exp(-elapsed.TotalMinutes / 90)) + Between(-0.05, 0.05);

    private double SessionChance(DateTimeOffset at) => LocalHour(at) is >= 18 and < 23 ? 0.08 : 0.02;
}

/// <summary>A camera: people and motion following the time of day; tamper and e-bike detection.</summary>
public sealed class CameraBehaviour(SimDevice device, SimSite site, Random random) : DeviceBehaviour(device, site, random)
{
    public override IReadOnlyList<(string Name, object? Value)> Telemetry(DateTimeOffset at, IReadOnlySet<Failure> failures)
    {
        var hour = LocalHour(at);
        var crowd = hour is >= 7 and < 22 ? 6 : 1;
        var persons = Random.Next(0, crowd + 1);
        var tampered = failures.Contains(Failure.Tamper);
        return
        [
            ("online", true), ("motion", !tampered && (persons > 0 || Random.NextDouble() < 0.1)), ("persons", tampered ? 0 : persons),
            ("ebike", failures.Contains(Failure.Ebike)), ("tamper", tampered), ("fps", tampered ? Between(0, 2) : Between(24.5, 25.5)),
        ];
    }

    public override IReadOnlyList<string> EventsOnStart(Failure failure) =>
        failure == Failure.Ebike ? ["""{"type":"ebike_detected","confidence":0.93}"""] : [];
}
