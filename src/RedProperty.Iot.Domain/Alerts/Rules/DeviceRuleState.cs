using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Domain.Registry;

namespace RedProperty.Iot.Domain.Alerts.Rules;

/// <summary>
/// What the rules remember about one device between readings: windows that started, streaks,
/// the last known value of each field (readings may carry only some), and which alerts are raised.
/// Not thread-safe; the engine locks it.
/// </summary>
internal sealed class DeviceRuleState(Device device, Zone? zone, DateTimeOffset watchedSince)
{
    private readonly HashSet<AlertType> _raised = [];

    public Device Device { get; } = device;

    public bool InElevatorCar { get; } = zone?.IsElevatorCar ?? false;

    public DateTimeOffset LastTelemetryAt { get; set; } = watchedSince;

    /// <summary>
    /// The last known value of each field (readings may carry only some), merged by the kind's
    /// <see cref="TelemetryContract"/>; null before the first reading the rules keep.
    /// </summary>
    public DeviceTelemetry? Last { get; private set; }

    /// <summary>The charger's circuit: the last one a reading named, else the registry's.</summary>
    public ChargerCircuit? Circuit => (Last as ChargerTelemetry)?.Circuit ?? Device.Circuit;

    // charger
    public DateTimeOffset? FlyingWireSince { get; set; }

    public DateTimeOffset? FlyingWireQuietSince { get; set; }

    public DateTimeOffset? CoolSince { get; set; }

    // light
    public int BadReadings { get; set; }

    public int GoodReadings { get; set; }

    // elevator
    public DateTimeOffset? FaultFreeSince { get; set; }

    public DateTimeOffset? StuckSince { get; set; }

    // camera
    public DateTimeOffset? LastEbikeAt { get; set; }

    public DateTimeOffset? TamperFreeSince { get; set; }

    /// <summary>Keeps a reading's values over the last known ones; returns what is now known.</summary>
    public T Remember<T>(T reading)
        where T : DeviceTelemetry
    {
        var known = TelemetryContract.For(reading.Kind) is { } contract ? contract.Merge(Last as T, reading) : reading;
        Last = known;
        return known;
    }

    public bool IsRaised(AlertType type) => _raised.Contains(type);

    public AlertSignal Raise(AlertType type, AlertFact fact, AlertCause cause = AlertCause.Condition)
    {
        _raised.Add(type);
        return new AlertSignal(AlertSignalKind.Raise, type, Device, AlertCatalogue.SeverityOf(type, Device.Kind), fact, cause);
    }

    public AlertSignal? Clear(AlertType type, AlertFact fact) =>
        _raised.Remove(type) ? new AlertSignal(AlertSignalKind.Clear, type, Device, AlertCatalogue.SeverityOf(type, Device.Kind), fact) : null;

    /// <summary>After a restart: the store says this alert is open, so the rules may clear it.</summary>
    public void MarkRaised(AlertType type) => _raised.Add(type);
}
