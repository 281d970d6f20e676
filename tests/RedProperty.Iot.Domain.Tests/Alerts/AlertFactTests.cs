using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Contract;

namespace RedProperty.Iot.Domain.Tests.Alerts;

/// <summary>
/// What each rule states about what it found, as data (a key and typed values) for the desk to write in the
/// user's language, and the English sentence kept as the alert's message.
/// </summary>
public sealed class AlertFactTests
{
    private static ChargerTelemetry Amps(double current, bool? plugged = null) => new() { CurrentA = current, Plugged = plugged };

    private static void AssertFact(AlertSignal signal, string key, string message, params (string Name, FactValueType Type, object Value, string? Unit)[] values)
    {
        var fact = Assert.IsType<AlertFact>(signal.Fact);
        Assert.Equal(key, fact.Key);
        Assert.Equal(message, signal.Message);
        Assert.Equal(message, fact.Message);
        Assert.Equal(values.Select(v => v.Name).Order(), fact.Values.Select(v => v.Name).Order());
        foreach (var (name, type, value, unit) in values)
        {
            var actual = fact[name]!;
            Assert.Equal(type, actual.Type);
            Assert.Equal(unit, actual.Unit);
            if (value is string text)
            {
                Assert.Equal(text, actual.Text);
                Assert.Null(actual.Number);
            }
            else
            {
                Assert.Equal(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), actual.Number);
                Assert.Null(actual.Text);
            }
        }
    }

    [Fact]
    public void Flying_wire_charging_states_the_circuit_the_current_and_for_how_long()
    {
        var bed = new RuleTestBed();
        bed.Send("corr", Amps(2.4));
        var raised = bed.After(554, "corr", Amps(2.5934)).Raised(AlertType.FlyingWireCharging);
        AssertFact(raised, "flying_wire_charging.circuit_draw", "corridor circuit drawing 2.59 A for 554 s",
            ("circuit", FactValueType.Circuit, "corridor", null), ("current", FactValueType.Quantity, 2.59, "A"), ("duration", FactValueType.Duration, 554, "s"));

        bed.After(1, "corr", Amps(0.1));
        var cleared = bed.After(60, "corr", Amps(0.0)).Cleared(AlertType.FlyingWireCharging);
        AssertFact(cleared, "flying_wire_charging.quiet", "current below 0.2 A for 60 s",
            ("current", FactValueType.Quantity, 0.2, "A"), ("duration", FactValueType.Duration, 60, "s"));
    }

    [Fact]
    public void Flying_wire_charging_on_a_stairwell_and_in_the_car_park_say_which()
    {
        var bed = new RuleTestBed();
        bed.Send("stair", Amps(3));
        AssertFact(bed.After(61, "stair", Amps(3)).Raised(AlertType.FlyingWireCharging), "flying_wire_charging.circuit_draw", "stairwell circuit drawing 3 A for 61 s",
            ("circuit", FactValueType.Circuit, "stairwell", null), ("current", FactValueType.Quantity, 3, "A"), ("duration", FactValueType.Duration, 61, "s"));

        bed.Send("park", Amps(4, plugged: false));
        AssertFact(bed.After(60, "park", Amps(4.125)).Raised(AlertType.FlyingWireCharging), "flying_wire_charging.parking_unplugged_draw",
            "parking circuit without an authorised plug drawing 4.13 A for 60 s", ("current", FactValueType.Quantity, 4.13, "A"), ("duration", FactValueType.Duration, 60, "s"));
    }

    [Fact]
    public void Overheating_states_smoke_and_the_temperature_and_the_clear_says_how_it_cooled()
    {
        var bed = new RuleTestBed();
        AssertFact(bed.Send("corr", new ChargerTelemetry { TempC = 71.26 }).Raised(AlertType.ChargerOverheat), "charger_overheat.heat", "71.3 °C",
            ("temperature", FactValueType.Quantity, 71.3, "°C"));
        AssertFact(bed.After(1, "corr", new ChargerTelemetry { TempC = 85, Smoke = true }).Raised(AlertType.ChargerOverheat), "charger_overheat.smoke_and_heat", "smoke detected, 85 °C",
            ("temperature", FactValueType.Quantity, 85, "°C"));
        AssertFact(bed.After(1, "corr", new ChargerTelemetry { TempC = 30, Smoke = true }).Raised(AlertType.ChargerOverheat), "charger_overheat.smoke", "smoke detected");

        bed.After(1, "corr", new ChargerTelemetry { TempC = 30, Smoke = false });
        AssertFact(bed.After(120, "corr", new ChargerTelemetry { TempC = 30 }).Cleared(AlertType.ChargerOverheat), "charger_overheat.cooled", "below 60 °C and no smoke for 120 s",
            ("temperature", FactValueType.Quantity, 60, "°C"), ("duration", FactValueType.Duration, 120, "s"));
    }

    [Fact]
    public void A_broken_light_states_the_reading_and_how_many_in_a_row()
    {
        var bed = new RuleTestBed(dark: true);
        var lamp = (double? lux, double? current) => new LightTelemetry { On = true, Lux = lux, CurrentA = current };
        bed.Send("lamp", lamp(1.24, 0.2));
        bed.After(30, "lamp", lamp(1.24, 0.2));
        AssertFact(bed.After(30, "lamp", lamp(1.24, 0.2)).Raised(AlertType.BrokenLight), "broken_light.dim", "lamp on but only 1.2 lx (3 readings in a row, at night)",
            ("light", FactValueType.Quantity, 1.2, "lx"), ("readings", FactValueType.Count, 3, null));
        AssertFact(bed.After(30, "lamp", lamp(40, 0.0123)).Raised(AlertType.BrokenLight), "broken_light.no_current", "lamp on but drawing 0.012 A (4 readings in a row, at night)",
            ("current", FactValueType.Quantity, 0.012, "A"), ("readings", FactValueType.Count, 4, null));

        bed.After(30, "lamp", lamp(40, 0.2));
        AssertFact(bed.After(30, "lamp", lamp(40, 0.2)).Cleared(AlertType.BrokenLight), "broken_light.good_readings", "2 good readings", ("readings", FactValueType.Count, 2, null));
    }

    [Fact]
    public void Elevator_faults_carry_the_controllers_code()
    {
        var bed = new RuleTestBed();
        AssertFact(bed.Send("lift", new ElevatorTelemetry { FaultReported = true, Fault = "E21" }).Raised(AlertType.ElevatorFault), "elevator_fault.fault", "controller fault E21",
            ("code", FactValueType.Code, "E21", null));
        bed.After(1, "lift", new ElevatorTelemetry { FaultReported = true, Fault = null });
        AssertFact(bed.After(60, "lift", new ElevatorTelemetry { Floor = 2 }).Cleared(AlertType.ElevatorFault), "elevator_fault.no_fault", "no fault for 60 s",
            ("duration", FactValueType.Duration, 60, "s"));
    }

    [Fact]
    public void Entrapment_says_why_it_was_raised_and_what_ended_it()
    {
        var bed = new RuleTestBed();
        bed.Send("lift", new ElevatorTelemetry { Occupied = true, Running = false, DoorOpen = false });
        AssertFact(bed.After(75, "lift", new ElevatorTelemetry { Floor = 4 }).Raised(AlertType.ElevatorEntrapment), "elevator_entrapment.stuck",
            "occupied car stopped with the door closed for 75 s", ("duration", FactValueType.Duration, 75, "s"));
        AssertFact(bed.After(1, "lift", new ElevatorTelemetry { Running = true }).Cleared(AlertType.ElevatorEntrapment), "elevator_entrapment.car_running", "car running");

        AssertFact(Assert.Single(bed.Engine.OnEvent(bed.Device("lift"), new DeviceEvent { Type = "alarm_button" })), "elevator_entrapment.alarm_button", "alarm button pressed in the car");
        AssertFact(bed.After(1, "lift", new ElevatorTelemetry { Running = false, DoorOpen = true }).Cleared(AlertType.ElevatorEntrapment), "elevator_entrapment.door_opened", "door opened");
    }

    [Fact]
    public void An_ebike_in_the_car_comes_with_the_cameras_confidence()
    {
        var bed = new RuleTestBed();
        AssertFact(Assert.Single(bed.Engine.OnEvent(bed.Device("cam-car"), new DeviceEvent { Type = "ebike_detected", Confidence = 0.934 })), "ebike_in_elevator.detected_with_confidence",
            "e-bike detected in the elevator car (confidence 0.93)", ("confidence", FactValueType.Ratio, 0.93, null));
        AssertFact(Assert.Single(bed.Engine.OnEvent(bed.Device("cam-car"), new DeviceEvent { Type = "ebike_detected" })), "ebike_in_elevator.detected", "e-bike detected in the elevator car");
        AssertFact(bed.Send("cam-car", new CameraTelemetry { Ebike = true }).Raised(AlertType.EbikeInElevator), "ebike_in_elevator.seen", "e-bike seen in the elevator car");
        bed.Time.Advance(TimeSpan.FromSeconds(120));
        AssertFact(Assert.Single(bed.Engine.Tick(), s => s.Type == AlertType.EbikeInElevator), "ebike_in_elevator.not_seen", "no e-bike seen for 120 s",
            ("duration", FactValueType.Duration, 120, "s"));
    }

    [Fact]
    public void A_tampered_camera_and_its_clear()
    {
        var bed = new RuleTestBed();
        AssertFact(bed.Send("cam-gate", new CameraTelemetry { Tamper = true }).Raised(AlertType.CameraTamper), "camera_tamper.lens", "lens covered or camera moved");
        bed.After(1, "cam-gate", new CameraTelemetry { Tamper = false });
        AssertFact(bed.After(60, "cam-gate", new CameraTelemetry { Tamper = false }).Cleared(AlertType.CameraTamper), "camera_tamper.picture_normal", "picture normal for 60 s",
            ("duration", FactValueType.Duration, 60, "s"));
    }

    [Fact]
    public void A_device_going_quiet_says_how_long_against_its_interval()
    {
        var bed = new RuleTestBed();
        bed.Time.Advance(TimeSpan.FromSeconds(95.7));
        var silent = Assert.Single(bed.Engine.Tick(), s => s.Device.Id == "lamp");
        AssertFact(silent, "device_offline.silent", "no telemetry for 95 s (expected every 30 s)", ("silence", FactValueType.Duration, 95, "s"), ("interval", FactValueType.Duration, 30, "s"));
        AssertFact(bed.Send("lamp", new LightTelemetry { On = false }).Cleared(AlertType.DeviceOffline), "device_offline.telemetry_again", "telemetry received again");

        AssertFact(bed.Engine.OnStatus(bed.Device("lamp"), DeviceStatus.Offline).Raised(AlertType.DeviceOffline), "device_offline.reported", "device reported offline (status or last will)");
        AssertFact(bed.Engine.OnStatus(bed.Device("lamp"), DeviceStatus.Online).Cleared(AlertType.DeviceOffline), "device_offline.back_online", "device back online");
    }

    [Fact]
    public void Every_fact_has_an_english_sentence_with_every_placeholder_filled()
    {
        foreach (var key in AlertFacts.Keys)
        {
            var values = new[] { "circuit", "current", "duration", "temperature", "light", "readings", "code", "confidence", "detail", "silence", "interval" }
                .Select(n => new FactValue(n, FactValueType.Code, Text: n.ToUpperInvariant())).ToArray();
            var message = new AlertFact(key, values).Message;
            Assert.DoesNotContain("{", message, StringComparison.Ordinal);
            Assert.DoesNotContain(key, message, StringComparison.Ordinal);
        }

        // A key this hub does not know (written by a newer one) still reads as something.
        Assert.Equal("something.new (level 3)", new AlertFact("something.new", FactValue.Count("level", 3)).Message);
    }

    [Fact]
    public void Facts_are_equal_by_key_and_values()
    {
        Assert.Equal(AlertFacts.CircuitDraw(ChargerCircuit.Corridor, 2.591, TimeSpan.FromSeconds(60.4)), AlertFacts.CircuitDraw(ChargerCircuit.Corridor, 2.589, TimeSpan.FromSeconds(60.9)));
        Assert.NotEqual(AlertFacts.CircuitDraw(ChargerCircuit.Corridor, 2.5, TimeSpan.FromSeconds(60)), AlertFacts.CircuitDraw(ChargerCircuit.Stairwell, 2.5, TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void The_alert_keeps_the_latest_fact_and_its_trail_the_facts_of_the_systems_notes()
    {
        var t0 = new DateTimeOffset(2026, 12, 2, 2, 0, 0, TimeSpan.Zero);
        var first = AlertFacts.CircuitDraw(ChargerCircuit.Corridor, 2.1, TimeSpan.FromSeconds(60));
        var alert = Alert.Raise(Guid.NewGuid(), new AlertKey("s1", "corr", AlertType.FlyingWireCharging), "grid-1", DeviceKind.Charger, AlertSeverity.Major, first.Message, t0, first);
        var later = AlertFacts.CircuitDraw(ChargerCircuit.Corridor, 2.4, TimeSpan.FromSeconds(90));
        alert.Repeat(t0.AddSeconds(30), later.Message, later);
        var quiet = AlertFacts.CurrentQuiet(0.2, 60);
        alert.Clear(t0.AddMinutes(3), quiet.Message, quiet);
        var again = AlertFacts.CircuitDraw(ChargerCircuit.Corridor, 3, TimeSpan.FromSeconds(60));
        alert.Reopen(t0.AddMinutes(4), again.Message, EscalationPolicy.ReopenWindow, again);

        Assert.Equal(again, alert.Fact);
        Assert.Equal([first, quiet, again], alert.History.Select(h => h.Fact));
        Assert.Equal(["corridor circuit drawing 2.1 A for 60 s", "current below 0.2 A for 60 s", "corridor circuit drawing 3 A for 60 s"], alert.History.Select(h => h.Note));
        Assert.Equal(alert.ToSnapshot().Fact, Alert.Restore(alert.ToSnapshot()).Fact);
    }
}
