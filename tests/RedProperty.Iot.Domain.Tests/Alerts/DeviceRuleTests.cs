using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Contract;

namespace RedProperty.Iot.Domain.Tests.Alerts;

public sealed class LightRuleTests
{
    private static LightTelemetry Lamp(bool on, double? lux, double? current) => new() { On = on, Lux = lux, CurrentA = current };

    [Fact]
    public void Three_bad_readings_in_a_row_at_night_is_a_broken_light()
    {
        var bed = new RuleTestBed(dark: true);
        bed.Send("lamp", Lamp(true, 2, 0.2)).Nothing(AlertType.BrokenLight);
        bed.After(30, "lamp", Lamp(true, 50, 0.01)).Nothing(AlertType.BrokenLight);
        var signal = bed.After(30, "lamp", Lamp(true, 4.9, 0.2)).Raised(AlertType.BrokenLight);
        Assert.Equal(AlertSeverity.Minor, signal.Severity);
    }

    [Theory]
    [InlineData(5.0, 0.05, false)]
    [InlineData(4.99, 0.05, true)]
    [InlineData(5.0, 0.049, true)]
    public void The_thresholds_are_5_lux_and_0_05_A(double lux, double current, bool bad)
    {
        var bed = new RuleTestBed(dark: true);
        bed.Send("lamp", Lamp(true, lux, current));
        bed.After(30, "lamp", Lamp(true, lux, current));
        Assert.Equal(bad, bed.After(30, "lamp", Lamp(true, lux, current)).Any(s => s.Type == AlertType.BrokenLight));
    }

    [Fact]
    public void A_good_reading_or_daylight_breaks_the_streak()
    {
        var bed = new RuleTestBed(dark: true);
        bed.Send("lamp", Lamp(true, 1, 0.01));
        bed.After(30, "lamp", Lamp(true, 1, 0.01));
        bed.After(30, "lamp", Lamp(true, 40, 0.2));
        bed.After(30, "lamp", Lamp(true, 1, 0.01));
        bed.After(30, "lamp", Lamp(true, 1, 0.01)).Nothing(AlertType.BrokenLight);
        bed.Darkness.Dark = false;
        bed.After(30, "lamp", Lamp(true, 1, 0.01)).Nothing(AlertType.BrokenLight);
        bed.Darkness.Dark = true;
        bed.After(30, "lamp", Lamp(true, 1, 0.01)).Nothing(AlertType.BrokenLight);
    }

    [Fact]
    public void A_lamp_judged_by_day_is_never_broken()
    {
        var bed = new RuleTestBed(dark: false);
        for (var i = 0; i < 5; i++)
        {
            bed.After(30, "lamp", Lamp(true, 0, 0)).Nothing(AlertType.BrokenLight);
        }
    }

    [Fact]
    public void Two_good_readings_clear_it()
    {
        var bed = new RuleTestBed(dark: true);
        for (var i = 0; i < 3; i++)
        {
            bed.After(30, "lamp", Lamp(true, 0, 0));
        }

        bed.After(30, "lamp", Lamp(true, 40, 0.2)).Nothing(AlertType.BrokenLight);
        bed.After(30, "lamp", Lamp(true, 40, 0.2)).Cleared(AlertType.BrokenLight);
    }
}

public sealed class ElevatorRuleTests
{
    private static ElevatorTelemetry Car(bool occupied, bool running, bool doorOpen) => new() { Occupied = occupied, Running = running, DoorOpen = doorOpen };

    [Fact]
    public void A_fault_code_is_an_elevator_fault_that_clears_after_60_s_without_one()
    {
        var bed = new RuleTestBed();
        Assert.Contains("E21", bed.Send("lift", new ElevatorTelemetry { FaultReported = true, Fault = "E21" }).Raised(AlertType.ElevatorFault).Message, StringComparison.Ordinal);
        bed.After(30, "lift", new ElevatorTelemetry { FaultReported = true, Fault = null }).Nothing(AlertType.ElevatorFault);
        bed.After(30, "lift", new ElevatorTelemetry { FaultReported = true, Fault = "E21" }).Raised(AlertType.ElevatorFault);
        bed.After(30, "lift", new ElevatorTelemetry { FaultReported = true, Fault = null });
        bed.After(59, "lift", new ElevatorTelemetry { Floor = 3 }).Nothing(AlertType.ElevatorFault);
        bed.After(1, "lift", new ElevatorTelemetry { Floor = 3 }).Cleared(AlertType.ElevatorFault);
    }

    [Fact]
    public void Occupied_stopped_and_closed_for_60_s_is_an_entrapment()
    {
        var bed = new RuleTestBed();
        bed.Send("lift", Car(occupied: true, running: false, doorOpen: false)).Nothing(AlertType.ElevatorEntrapment);
        bed.After(59, "lift", Car(true, false, false)).Nothing(AlertType.ElevatorEntrapment);
        var signal = bed.After(1, "lift", Car(true, false, false)).Raised(AlertType.ElevatorEntrapment);
        Assert.Equal(AlertSeverity.Critical, signal.Severity);
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, true, false)]
    [InlineData(true, false, true)]
    public void Anything_else_is_not_an_entrapment(bool occupied, bool running, bool doorOpen)
    {
        var bed = new RuleTestBed();
        bed.Send("lift", Car(occupied, running, doorOpen));
        bed.After(120, "lift", Car(occupied, running, doorOpen)).Nothing(AlertType.ElevatorEntrapment);
    }

    [Fact]
    public void The_alarm_button_is_an_entrapment_at_once_and_the_door_opening_clears_it()
    {
        var bed = new RuleTestBed();
        // A person pressed it: the cause the clearing policy keeps open for staff.
        Assert.Equal(AlertCause.Person, bed.Engine.OnEvent(bed.Device("lift"), new DeviceEvent { Type = "alarm_button" }).Raised(AlertType.ElevatorEntrapment).Cause);
        bed.After(10, "lift", Car(true, false, false)).Nothing(AlertType.ElevatorEntrapment);
        bed.After(10, "lift", Car(true, false, true)).Cleared(AlertType.ElevatorEntrapment);
    }

    [Fact]
    public void The_car_running_again_clears_an_entrapment()
    {
        var bed = new RuleTestBed();
        bed.Send("lift", Car(true, false, false));
        Assert.Equal(AlertCause.Condition, bed.After(60, "lift", Car(true, false, false)).Raised(AlertType.ElevatorEntrapment).Cause);
        bed.After(30, "lift", Car(true, true, false)).Cleared(AlertType.ElevatorEntrapment);
    }
}

public sealed class CameraRuleTests
{
    [Fact]
    public void An_ebike_seen_in_an_elevator_car_raises_and_clears_after_120_s_unseen()
    {
        var bed = new RuleTestBed();
        bed.Send("cam-car", new CameraTelemetry { Ebike = true }).Raised(AlertType.EbikeInElevator);
        bed.Time.Advance(TimeSpan.FromSeconds(60));
        bed.Engine.OnEvent(bed.Device("cam-car"), new DeviceEvent { Type = "ebike_detected", Confidence = 0.93 }).Raised(AlertType.EbikeInElevator);
        bed.Time.Advance(TimeSpan.FromSeconds(119));
        bed.Engine.Tick().Nothing(AlertType.EbikeInElevator);
        bed.Time.Advance(TimeSpan.FromSeconds(1));
        bed.Engine.Tick().Cleared(AlertType.EbikeInElevator);
    }

    [Fact]
    public void An_ebike_at_the_gate_is_not_an_elevator_alert()
    {
        var bed = new RuleTestBed();
        bed.Send("cam-gate", new CameraTelemetry { Ebike = true }).Nothing(AlertType.EbikeInElevator);
        bed.Engine.OnEvent(bed.Device("cam-gate"), new DeviceEvent { Type = "ebike_detected" }).Nothing(AlertType.EbikeInElevator);
    }

    [Fact]
    public void Tamper_raises_at_once_and_clears_after_60_s_untampered()
    {
        var bed = new RuleTestBed();
        bed.Send("cam-gate", new CameraTelemetry { Tamper = true }).Raised(AlertType.CameraTamper);
        bed.After(30, "cam-gate", new CameraTelemetry { Tamper = false });
        bed.After(59, "cam-gate", new CameraTelemetry { Tamper = false }).Nothing(AlertType.CameraTamper);
        bed.After(1, "cam-gate", new CameraTelemetry { Persons = 2 }).Cleared(AlertType.CameraTamper);
    }
}

public sealed class HeartbeatRuleTests
{
    [Fact]
    public void Offline_status_raises_and_online_clears()
    {
        var bed = new RuleTestBed();
        var signal = bed.Engine.OnStatus(bed.Device("cam-gate"), DeviceStatus.Offline).Raised(AlertType.DeviceOffline);
        Assert.Equal(AlertSeverity.Major, signal.Severity);
        Assert.Equal(AlertSeverity.Minor, bed.Engine.OnStatus(bed.Device("lamp"), DeviceStatus.Offline).Raised(AlertType.DeviceOffline).Severity);
        bed.Engine.OnStatus(bed.Device("cam-gate"), DeviceStatus.Online).Cleared(AlertType.DeviceOffline);
        bed.Engine.OnStatus(bed.Device("cam-gate"), DeviceStatus.Online).Nothing(AlertType.DeviceOffline);
    }

    [Fact]
    public void Silence_for_three_intervals_raises_and_telemetry_clears()
    {
        var bed = new RuleTestBed();
        bed.Send("lamp", new LightTelemetry { On = false });
        bed.Time.Advance(TimeSpan.FromSeconds(89));
        Assert.DoesNotContain(bed.Engine.Tick(), s => s.Device.Id == "lamp");
        bed.Time.Advance(TimeSpan.FromSeconds(1));
        var raised = Assert.Single(bed.Engine.Tick(), s => s.Device.Id == "lamp");
        Assert.Equal(AlertType.DeviceOffline, raised.Type);
        Assert.DoesNotContain(bed.Engine.Tick(), s => s.Device.Id == "lamp");
        bed.Send("lamp", new LightTelemetry { On = false }).Cleared(AlertType.DeviceOffline);
    }

    [Fact]
    public void After_a_restart_devices_get_a_full_grace_period_not_an_offline_storm()
    {
        var bed = new RuleTestBed();
        bed.Engine.Restore(bed.Device("lamp"), [], lastTelemetryAt: bed.Time.GetUtcNow().AddHours(-5));
        bed.Time.Advance(TimeSpan.FromSeconds(89));
        Assert.Empty(bed.Engine.Tick());
        bed.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(8, bed.Engine.Tick().Count(s => s.Type == AlertType.DeviceOffline));
    }

    [Fact]
    public void A_restored_open_alert_can_be_cleared_by_the_rules()
    {
        var bed = new RuleTestBed();
        bed.Engine.Restore(bed.Device("cam-gate"), [AlertType.CameraTamper], null);
        bed.Send("cam-gate", new CameraTelemetry { Tamper = false });
        bed.After(60, "cam-gate", new CameraTelemetry { Tamper = false }).Cleared(AlertType.CameraTamper);
    }
}
