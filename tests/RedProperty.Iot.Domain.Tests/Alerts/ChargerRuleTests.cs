using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Contract;

namespace RedProperty.Iot.Domain.Tests.Alerts;

public sealed class ChargerRuleTests
{
    private static ChargerTelemetry Amps(double current, bool? plugged = null) => new() { CurrentA = current, Plugged = plugged };

    [Theory]
    [InlineData("corr")]
    [InlineData("stair")]
    public void A_corridor_or_stairwell_draw_sustained_for_60_s_is_flying_wire_charging(string device)
    {
        var bed = new RuleTestBed();
        bed.Send(device, Amps(2.4)).Nothing(AlertType.FlyingWireCharging);
        bed.After(30, device, Amps(2.5)).Nothing(AlertType.FlyingWireCharging);
        bed.After(29, device, Amps(2.5)).Nothing(AlertType.FlyingWireCharging);
        var signal = bed.After(1, device, Amps(2.6)).Raised(AlertType.FlyingWireCharging);
        Assert.Equal(AlertSeverity.Major, signal.Severity);
        Assert.Contains("2.6 A for 60 s", signal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.49, false)]
    [InlineData(0.5, true)]
    [InlineData(0.51, true)]
    [InlineData(15.99, true)]
    [InlineData(16, true)]
    [InlineData(16.01, false)]
    public void The_current_band_is_0_5_to_16_A(double current, bool raises)
    {
        var bed = new RuleTestBed();
        bed.Send("corr", Amps(current));
        var signals = bed.After(60, "corr", Amps(current));
        Assert.Equal(raises, signals.Any(s => s.Type == AlertType.FlyingWireCharging && s.Kind == AlertSignalKind.Raise));
    }

    [Fact]
    public void A_dip_out_of_the_band_restarts_the_window()
    {
        var bed = new RuleTestBed();
        bed.Send("corr", Amps(2));
        bed.After(30, "corr", Amps(0.3));
        bed.After(30, "corr", Amps(2)).Nothing(AlertType.FlyingWireCharging);
        bed.After(59, "corr", Amps(2)).Nothing(AlertType.FlyingWireCharging);
        bed.After(1, "corr", Amps(2)).Raised(AlertType.FlyingWireCharging);
    }

    [Fact]
    public void Parking_draw_is_flying_wire_only_without_an_authorised_plug()
    {
        var bed = new RuleTestBed();
        bed.Send("park", Amps(3, plugged: true));
        bed.After(90, "park", Amps(3, plugged: true)).Nothing(AlertType.FlyingWireCharging);
        bed.After(10, "park", Amps(3, plugged: false));
        bed.After(59, "park", Amps(3)).Nothing(AlertType.FlyingWireCharging);
        bed.After(1, "park", Amps(30)).Raised(AlertType.FlyingWireCharging);
    }

    [Fact]
    public void A_charging_station_never_counts_as_flying_wire()
    {
        var bed = new RuleTestBed();
        bed.Send("station", Amps(3, plugged: false));
        bed.After(600, "station", Amps(3, plugged: false)).Nothing(AlertType.FlyingWireCharging);
    }

    [Fact]
    public void Repeats_while_the_draw_goes_on_then_clears_after_60_s_below_0_2_A()
    {
        var bed = new RuleTestBed();
        bed.Send("corr", Amps(2));
        bed.After(60, "corr", Amps(2)).Raised(AlertType.FlyingWireCharging);
        bed.After(30, "corr", Amps(2)).Raised(AlertType.FlyingWireCharging);
        bed.After(30, "corr", Amps(0.1)).Nothing(AlertType.FlyingWireCharging);
        bed.After(30, "corr", Amps(0.25)).Nothing(AlertType.FlyingWireCharging); // 0.25 A breaks the quiet period
        bed.After(30, "corr", Amps(0.19)).Nothing(AlertType.FlyingWireCharging);
        bed.After(59, "corr", Amps(0.0)).Nothing(AlertType.FlyingWireCharging);
        bed.After(1, "corr", Amps(0.0)).Cleared(AlertType.FlyingWireCharging);
        bed.After(60, "corr", Amps(0.0)).Nothing(AlertType.FlyingWireCharging);
    }

    [Theory]
    [InlineData(69.9, false)]
    [InlineData(70, true)]
    [InlineData(70.1, true)]
    public void Seventy_degrees_is_overheat_at_once_and_critical(double temp, bool raises)
    {
        var bed = new RuleTestBed();
        var signals = bed.Send("station", new ChargerTelemetry { TempC = temp });
        Assert.Equal(raises, signals.Any(s => s.Type == AlertType.ChargerOverheat));
        if (raises)
        {
            Assert.Equal(AlertSeverity.Critical, signals.Raised(AlertType.ChargerOverheat).Severity);
        }
    }

    [Fact]
    public void Smoke_is_overheat_whatever_the_temperature()
    {
        var bed = new RuleTestBed();
        var signal = bed.Send("corr", new ChargerTelemetry { TempC = 25, Smoke = true }).Raised(AlertType.ChargerOverheat);
        Assert.Contains("smoke", signal.Message, StringComparison.Ordinal);
        // Smoke is life safety: its cause makes the alert one only staff may close.
        Assert.Equal(AlertCause.Smoke, signal.Cause);
        Assert.Equal(AlertCause.Condition, bed.Send("station", new ChargerTelemetry { TempC = 80, Smoke = false }).Raised(AlertType.ChargerOverheat).Cause);
    }

    [Fact]
    public void Overheat_clears_only_below_60_degrees_without_smoke_for_120_s()
    {
        var bed = new RuleTestBed();
        bed.Send("station", new ChargerTelemetry { TempC = 75 }).Raised(AlertType.ChargerOverheat);
        bed.After(60, "station", new ChargerTelemetry { TempC = 65 }).Nothing(AlertType.ChargerOverheat); // hysteresis: not hot, not cool
        bed.After(60, "station", new ChargerTelemetry { TempC = 59 }).Nothing(AlertType.ChargerOverheat);
        bed.After(60, "station", new ChargerTelemetry { TempC = 60 }).Nothing(AlertType.ChargerOverheat); // 60 is not below 60: restart
        bed.After(30, "station", new ChargerTelemetry { TempC = 50 }).Nothing(AlertType.ChargerOverheat);
        bed.After(119, "station", new ChargerTelemetry { TempC = 50 }).Nothing(AlertType.ChargerOverheat);
        bed.After(1, "station", new ChargerTelemetry { TempC = 50 }).Cleared(AlertType.ChargerOverheat);
    }

    [Fact]
    public void Fields_missing_from_a_reading_keep_their_last_value()
    {
        var bed = new RuleTestBed();
        bed.Send("station", new ChargerTelemetry { TempC = 80, CurrentA = 2 }).Raised(AlertType.ChargerOverheat);
        bed.After(200, "station", new ChargerTelemetry { CurrentA = 1 }).Raised(AlertType.ChargerOverheat);
    }
}
