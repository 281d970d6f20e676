using System.Globalization;
using System.Text.Json.Nodes;
using RedProperty.Iot.Contract;

namespace RedProperty.Iot.Hub.Devices;

/// <summary>
/// A device's latest reading as the desk shows it beside an alert: the last known value of each field
/// (readings may carry only some, as the rules see them) with the contract's field names, and when the
/// last reading arrived.
/// </summary>
public sealed record DeviceReadingView(DateTimeOffset At, JsonObject Values);

/// <summary>The last known value of each telemetry field of one device. Not thread-safe: <see cref="DeviceState"/> locks it.</summary>
internal sealed class LatestReading
{
    private readonly SortedDictionary<string, object?> _values = new(StringComparer.Ordinal);
    private DateTimeOffset? _at;

    public void Merge(DeviceTelemetry telemetry, DateTimeOffset at)
    {
        _at = at;
        switch (telemetry)
        {
            case ChargerTelemetry c:
                Set("circuit", c.Circuit?.ToWire());
                Set("currentA", c.CurrentA);
                Set("voltageV", c.VoltageV);
                Set("powerW", c.PowerW);
                Set("tempC", c.TempC);
                Set("plugged", c.Plugged);
                Set("smoke", c.Smoke);
                break;
            case LightTelemetry l:
                Set("on", l.On);
                Set("lux", l.Lux);
                Set("currentA", l.CurrentA);
                Set("voltageV", l.VoltageV);
                break;
            case ElevatorTelemetry e:
                Set("floor", e.Floor);
                Set("doorOpen", e.DoorOpen);
                Set("running", e.Running);
                Set("occupied", e.Occupied);
                Set("speedMps", e.SpeedMps);
                if (e.FaultReported)
                {
                    // "fault": null means no fault: a known value, unlike a reading that says nothing about it.
                    _values["fault"] = e.Fault;
                }

                break;
            case CameraTelemetry c:
                Set("online", c.Online);
                Set("motion", c.Motion);
                Set("persons", c.Persons);
                Set("ebike", c.Ebike);
                Set("tamper", c.Tamper);
                Set("fps", c.Fps);
                break;
        }
    }

    /// <summary>A fresh copy for a view (JSON nodes belong to one parent), or null before the first reading.</summary>
    public DeviceReadingView? View()
    {
        if (_at is not { } at)
        {
            return null;
        }

        var values = new JsonObject();
        foreach (var (name, value) in _values)
        {
            values[name] = value switch
            {
                double d => JsonValue.Create(d),
                long n => JsonValue.Create(n),
                bool b => JsonValue.Create(b),
                null => null,
                _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
            };
        }

        return new DeviceReadingView(at, values);
    }

    private void Set(string name, object? value)
    {
        if (value is not null)
        {
            _values[name] = value;
        }
    }
}
