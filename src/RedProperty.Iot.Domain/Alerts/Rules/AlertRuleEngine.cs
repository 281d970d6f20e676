using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Domain.Registry;

namespace RedProperty.Iot.Domain.Alerts.Rules;

/// <summary>
/// Turns readings, events, status and the passing of time into alert signals, per the catalogue.
/// Pure: the only clock is the <see cref="TimeProvider"/>, there is no I/O. Time is the hub's
/// (when a reading arrived), not the device's, so a device clock cannot hide or fake a window.
/// </summary>
public sealed class AlertRuleEngine
{
    private readonly DeviceRegistry _registry;
    private readonly IThresholdSource _thresholds;
    private readonly ISiteDarkness _darkness;
    private readonly TimeProvider _time;
    private readonly IDeviceRuleStates _states;

    // Most readings raise nothing: signals are gathered in a per-thread scratch list (used only under
    // the device's lock, with no await) and copied out only when there are any.
    [ThreadStatic]
    private static List<AlertSignal>? _scratch;

    public AlertRuleEngine(DeviceRegistry registry, IThresholdSource thresholds, ISiteDarkness darkness, TimeProvider time)
        : this(registry, thresholds, darkness, time, new DeviceRuleStates(registry, time))
    {
    }

    public AlertRuleEngine(DeviceRegistry registry, IThresholdSource thresholds, ISiteDarkness darkness, TimeProvider time, IDeviceRuleStates states)
    {
        _registry = registry;
        _thresholds = thresholds;
        _darkness = darkness;
        _time = time;
        _states = states;
    }

    /// <summary>
    /// Whether the device's state still says what <paramref name="signal"/> says (its condition holds for a raise,
    /// no longer holds for a clear). What <see cref="Tick"/> judged on the clock can be overtaken by a message
    /// judged after it and applied before it; such a signal must not be applied.
    /// </summary>
    public bool StillHolds(AlertSignal signal)
    {
        var state = _states.Of(signal.Device);
        lock (state)
        {
            return state.ConditionHolds(signal.Type) == (signal.Kind == AlertSignalKind.Raise);
        }
    }

    /// <summary>Rebuilds what the rules knew before a restart: open alerts and when the device was last heard.</summary>
    public void Restore(Device device, IEnumerable<AlertType> openAlerts, DateTimeOffset? lastTelemetryAt)
    {
        var state = _states.Of(device);
        lock (state)
        {
            foreach (var type in openAlerts)
            {
                state.MarkConditionHolding(type);
            }

            // Never earlier than start-up: silence while the hub itself was down is not the device's fault.
            if (lastTelemetryAt is { } last && last > state.LastTelemetryAt)
            {
                state.LastTelemetryAt = last;
            }
        }
    }

    public IReadOnlyList<AlertSignal> OnTelemetry(Device device, DeviceTelemetry telemetry) => OnTelemetry(_states.Of(device), telemetry);

    public IReadOnlyList<AlertSignal> OnTelemetry(DeviceRuleState state, DeviceTelemetry telemetry) => OnTelemetry(state, telemetry, _time.GetUtcNow());

    /// <summary>Judges a reading as of <paramref name="now"/>: when the hub received it (a journal replay judges what happened, not when).</summary>
    public IReadOnlyList<AlertSignal> OnTelemetry(DeviceRuleState state, DeviceTelemetry telemetry, DateTimeOffset now)
    {
        var thresholds = _thresholds.For(state.Device);
        var signals = _scratch ??= new List<AlertSignal>(4);
        signals.Clear();
        lock (state)
        {
            state.LastTelemetryAt = now;
            Add(signals, state.Clear(AlertType.DeviceOffline, AlertFacts.TelemetryAgain));
            switch (telemetry)
            {
                case ChargerTelemetry charger:
                    OnCharger(state, charger, thresholds, now, signals);
                    break;
                case LightTelemetry light:
                    OnLight(state, light, thresholds, now, signals);
                    break;
                case ElevatorTelemetry elevator:
                    OnElevator(state, elevator, thresholds, now, signals);
                    break;
                case CameraTelemetry camera:
                    OnCamera(state, camera, thresholds, now, signals);
                    break;
            }
        }

        return signals.Count == 0 ? [] : signals.ToArray();
    }

    public IReadOnlyList<AlertSignal> OnEvent(Device device, DeviceEvent deviceEvent) => OnEvent(_states.Of(device), deviceEvent);

    public IReadOnlyList<AlertSignal> OnEvent(DeviceRuleState state, DeviceEvent deviceEvent) => OnEvent(state, deviceEvent, _time.GetUtcNow());

    public IReadOnlyList<AlertSignal> OnEvent(DeviceRuleState state, DeviceEvent deviceEvent, DateTimeOffset now)
    {
        lock (state)
        {
            switch (state.Device.Kind, deviceEvent.Type)
            {
                case (DeviceKind.Elevator, "alarm_button"):
                    return [state.Raise(AlertType.ElevatorEntrapment, AlertFacts.AlarmButton, AlertCause.Person)];
                case (DeviceKind.Camera, "ebike_detected") when state.InElevatorCar:
                    state.LastEbikeAt = now;
                    return [state.Raise(AlertType.EbikeInElevator, AlertFacts.EbikeDetected(deviceEvent.Confidence))];
                default:
                    return [];
            }
        }
    }

    public IReadOnlyList<AlertSignal> OnStatus(Device device, DeviceStatus status) => OnStatus(_states.Of(device), status);

    public IReadOnlyList<AlertSignal> OnStatus(DeviceRuleState state, DeviceStatus status) => OnStatus(state, status, _time.GetUtcNow());

    public IReadOnlyList<AlertSignal> OnStatus(DeviceRuleState state, DeviceStatus status, DateTimeOffset now)
    {
        lock (state)
        {
            if (status == DeviceStatus.Offline)
            {
                return [state.Raise(AlertType.DeviceOffline, AlertFacts.ReportedOffline)];
            }

            return state.Clear(AlertType.DeviceOffline, AlertFacts.BackOnline) is { } clear ? [clear] : [];
        }
    }

    /// <summary>What the passing of time alone decides: silent devices, e-bikes no longer seen.</summary>
    public IReadOnlyList<AlertSignal> Tick()
    {
        var now = _time.GetUtcNow();
        var signals = new List<AlertSignal>();
        foreach (var state in _states.All)
        {
            var thresholds = _thresholds.For(state.Device);
            lock (state)
            {
                var silence = now - state.LastTelemetryAt;
                var allowed = TimeSpan.FromSeconds(state.Device.IntervalS * thresholds.OfflineIntervals);
                if (silence >= allowed && !state.ConditionHolds(AlertType.DeviceOffline))
                {
                    signals.Add(state.Raise(AlertType.DeviceOffline, AlertFacts.Silent(silence, state.Device.IntervalS)));
                }

                if (state.LastEbikeAt is { } seen && state.ConditionHolds(AlertType.EbikeInElevator) && now - seen >= TimeSpan.FromSeconds(thresholds.EbikeClearS))
                {
                    Add(signals, state.Clear(AlertType.EbikeInElevator, AlertFacts.EbikeNotSeen(thresholds.EbikeClearS)));
                }
            }
        }

        return signals;
    }

    private void OnCharger(DeviceRuleState state, ChargerTelemetry reading, AlertThresholds t, DateTimeOffset now, List<AlertSignal> signals)
    {
        var last = state.Remember(reading);

        // flying_wire_charging: a charging-sized draw where no charger should be, sustained.
        if (last.CurrentA is { } current)
        {
            var suspicious = state.Circuit switch
            {
                ChargerCircuit.Corridor or ChargerCircuit.Stairwell => current >= t.FlyingWireMinCurrentA && current <= t.FlyingWireMaxCurrentA,
                ChargerCircuit.Parking => current >= t.FlyingWireMinCurrentA && last.Plugged == false,
                _ => false,
            };
            state.FlyingWireSince = suspicious ? state.FlyingWireSince ?? now : null;
            state.FlyingWireQuietSince = current < t.FlyingWireClearCurrentA ? state.FlyingWireQuietSince ?? now : null;

            if (state.FlyingWireSince is { } since && now - since >= TimeSpan.FromSeconds(t.FlyingWireSustainS))
            {
                // Only these circuits are suspicious, so the circuit is known here.
                signals.Add(state.Raise(AlertType.FlyingWireCharging, AlertFacts.CircuitDraw(state.Circuit!.Value, current, now - since)));
            }
            else if (state.FlyingWireQuietSince is { } quiet && now - quiet >= TimeSpan.FromSeconds(t.FlyingWireClearS))
            {
                Add(signals, state.Clear(AlertType.FlyingWireCharging, AlertFacts.CurrentQuiet(t.FlyingWireClearCurrentA, t.FlyingWireClearS)));
            }
        }

        // charger_overheat: at once; clears only after cooling well below the trigger for a while.
        var hot = last.TempC >= t.OverheatTempC;
        var smoke = last.Smoke == true;
        if (hot || smoke)
        {
            state.CoolSince = null;
            signals.Add(state.Raise(AlertType.ChargerOverheat, AlertFacts.Overheat(smoke, hot ? last.TempC : null), smoke ? AlertCause.Smoke : AlertCause.Condition));
        }
        else if (state.ConditionHolds(AlertType.ChargerOverheat))
        {
            var cool = last.TempC is null || last.TempC < t.OverheatClearTempC;
            state.CoolSince = cool ? state.CoolSince ?? now : null;
            if (state.CoolSince is { } coolSince && now - coolSince >= TimeSpan.FromSeconds(t.OverheatClearS))
            {
                Add(signals, state.Clear(AlertType.ChargerOverheat, AlertFacts.Cooled(t.OverheatClearTempC, t.OverheatClearS)));
            }
        }
    }

    private void OnLight(DeviceRuleState state, LightTelemetry reading, AlertThresholds t, DateTimeOffset now, List<AlertSignal> signals)
    {
        var site = _registry.SitesById[state.Device.Site];
        if (reading.On != true || !_darkness.IsDark(site, now))
        {
            // Only a lamp switched on at night can be judged; anything else breaks a streak of bad readings.
            state.BadReadings = 0;
            return;
        }

        var dim = reading.Lux < t.BrokenLightMinLux;
        var dead = reading.CurrentA < t.BrokenLightMinCurrentA;
        if (dim || dead)
        {
            state.BadReadings++;
            state.GoodReadings = 0;
            if (state.BadReadings >= t.BrokenLightReadings)
            {
                var why = dead ? AlertFacts.LampNoCurrent(reading.CurrentA!.Value, state.BadReadings) : AlertFacts.LampDim(reading.Lux!.Value, state.BadReadings);
                signals.Add(state.Raise(AlertType.BrokenLight, why));
            }

            return;
        }

        if (reading.Lux is null && reading.CurrentA is null)
        {
            return;
        }

        state.BadReadings = 0;
        state.GoodReadings++;
        if (state.GoodReadings >= t.BrokenLightClearReadings)
        {
            Add(signals, state.Clear(AlertType.BrokenLight, AlertFacts.LampGood(state.GoodReadings)));
        }
    }

    private static void OnElevator(DeviceRuleState state, ElevatorTelemetry reading, AlertThresholds t, DateTimeOffset now, List<AlertSignal> signals)
    {
        var last = state.Remember(reading);
        if (reading.FaultReported)
        {
            if (reading.Fault is { } code)
            {
                state.FaultFreeSince = null;
                signals.Add(state.Raise(AlertType.ElevatorFault, AlertFacts.ElevatorFault(code)));
            }
            else
            {
                state.FaultFreeSince ??= now;
            }
        }

        if (last.Fault is null && state.FaultFreeSince is { } faultFree && now - faultFree >= TimeSpan.FromSeconds(t.ElevatorFaultClearS))
        {
            Add(signals, state.Clear(AlertType.ElevatorFault, AlertFacts.NoFault(t.ElevatorFaultClearS)));
        }

        // elevator_entrapment: someone inside, car stopped, door closed, for long enough.
        if (last.DoorOpen == true || last.Running == true)
        {
            state.StuckSince = null;
            Add(signals, state.Clear(AlertType.ElevatorEntrapment, last.DoorOpen == true ? AlertFacts.DoorOpened : AlertFacts.CarRunning));
            return;
        }

        if (last.Occupied == true && last.Running == false && last.DoorOpen == false)
        {
            state.StuckSince ??= now;
            if (now - state.StuckSince >= TimeSpan.FromSeconds(t.EntrapmentS))
            {
                signals.Add(state.Raise(AlertType.ElevatorEntrapment, AlertFacts.Stuck(now - state.StuckSince.Value)));
            }
        }
        else
        {
            state.StuckSince = null;
        }
    }

    private static void OnCamera(DeviceRuleState state, CameraTelemetry reading, AlertThresholds t, DateTimeOffset now, List<AlertSignal> signals)
    {
        if (reading.Ebike == true && state.InElevatorCar)
        {
            state.LastEbikeAt = now;
            signals.Add(state.Raise(AlertType.EbikeInElevator, AlertFacts.EbikeSeen));
        }

        var last = state.Remember(reading);
        if (reading.Tamper is { } tamper)
        {
            if (tamper)
            {
                state.TamperFreeSince = null;
                signals.Add(state.Raise(AlertType.CameraTamper, AlertFacts.LensCovered));
            }
            else
            {
                state.TamperFreeSince ??= now;
            }
        }

        if (last.Tamper == false && state.TamperFreeSince is { } free && now - free >= TimeSpan.FromSeconds(t.TamperClearS))
        {
            Add(signals, state.Clear(AlertType.CameraTamper, AlertFacts.PictureNormal(t.TamperClearS)));
        }
    }

    private static void Add(List<AlertSignal> signals, AlertSignal? signal)
    {
        if (signal is not null)
        {
            signals.Add(signal);
        }
    }
}
