using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Domain.Registry;

namespace RedProperty.Iot.Domain.Alerts.Rules;

/// <summary>
/// What the rules remember about one device between readings: windows that started, streaks,
/// the last known value of each field (readings may carry only some), and which alert conditions
/// the rules have raised and not cleared. Which alerts are open is the alert service's business: a
/// staff-only alert stays open after its condition cleared. The host keeps this in its own
/// per-device state (see <see cref="IDeviceRuleStates"/>); only the engine reads or changes it, under its lock.
/// </summary>
public sealed class DeviceRuleState(Device device, Zone? zone, DateTimeOffset watchedSince)
{
    private readonly HashSet<AlertType> _holding = [];

    public Device Device { get; } = device;

    /// <summary>A device of <paramref name="registry"/> watched from <paramref name="since"/> (silence counts from then).</summary>
    public static DeviceRuleState Watch(Device device, DeviceRegistry registry, DateTimeOffset since) => new(device, registry.ZoneOf(device), since);

    internal bool InElevatorCar { get; } = zone?.IsElevatorCar ?? false;

    internal DateTimeOffset LastTelemetryAt { get; set; } = watchedSince;

    /// <summary>
    /// The last known value of each field (readings may carry only some), merged by the kind's
    /// <see cref="TelemetryContract"/>; null before the first reading the rules keep.
    /// </summary>
    internal DeviceTelemetry? Last { get; private set; }

    /// <summary>The charger's circuit: the last one a reading named, else the registry's.</summary>
    internal ChargerCircuit? Circuit => (Last as ChargerTelemetry)?.Circuit ?? Device.Circuit;

    // charger
    internal DateTimeOffset? FlyingWireSince { get; set; }

    internal DateTimeOffset? FlyingWireQuietSince { get; set; }

    internal DateTimeOffset? CoolSince { get; set; }

    // light
    internal int BadReadings { get; set; }

    internal int GoodReadings { get; set; }

    // elevator
    internal DateTimeOffset? FaultFreeSince { get; set; }

    internal DateTimeOffset? StuckSince { get; set; }

    // camera
    internal DateTimeOffset? LastEbikeAt { get; set; }

    internal DateTimeOffset? TamperFreeSince { get; set; }

    /// <summary>Keeps a reading's values over the last known ones; returns what is now known.</summary>
    internal T Remember<T>(T reading)
        where T : DeviceTelemetry
    {
        var known = TelemetryContract.For(reading.Kind) is { } contract ? contract.Merge(Last as T, reading) : reading;
        Last = known;
        return known;
    }

    internal bool ConditionHolds(AlertType type) => _holding.Contains(type);

    internal AlertSignal Raise(AlertType type, AlertFact fact, AlertCause cause = AlertCause.Condition)
    {
        _holding.Add(type);
        return new AlertSignal(AlertSignalKind.Raise, type, Device, AlertCatalogue.SeverityOf(type, Device.Kind), fact, cause);
    }

    internal AlertSignal? Clear(AlertType type, AlertFact fact) =>
        _holding.Remove(type) ? new AlertSignal(AlertSignalKind.Clear, type, Device, AlertCatalogue.SeverityOf(type, Device.Kind), fact) : null;

    /// <summary>After a restart: the store says this alert is open, so the rules may clear it.</summary>
    internal void MarkConditionHolding(AlertType type) => _holding.Add(type);
}
