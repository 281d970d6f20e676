using System.Device.Gpio;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Registry;
using RedProperty.Iot.Hub.EdgeIo;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>The box's pins and light sensor on the simulated GPIO controller and I²C bus.</summary>
public sealed class EdgeIoTests : IAsyncLifetime
{
    private const int Siren = 17;
    private const int Led = 27;
    private const int Tamper = 22;
    private const int Panic = 23;

    private string _workDir = null!;

    public Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-edge-").FullName;
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_workDir, recursive: true);
        return Task.CompletedTask;
    }

    private Task<HubHost> StartAsync(Dictionary<string, string?>? extra = null, Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Influx:Version"] = "none",
            ["Gpio:Driver"] = "virtual",
            ["Gpio:Site"] = TestRegistry.Site,
            ["Gpio:Zone"] = "gate-house",
            ["Gpio:SirenPin"] = $"{Siren}",
            ["Gpio:StatusLedPin"] = $"{Led}",
            ["Gpio:TamperPin"] = $"{Tamper}",
            ["Gpio:PanicPin"] = $"{Panic}",
            ["Gpio:DebounceMs"] = "30",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        return HubHost.StartAsync(settings, configure: configure);
    }

    [Fact]
    public async Task The_siren_sounds_while_a_critical_alert_of_the_site_awaits_response()
    {
        await using var hub = await StartAsync();
        var gpio = hub.Services.GetRequiredService<VirtualGpioDriver>();
        Assert.Equal(PinValue.Low, gpio.OutputOf(Siren));

        // A critical alert in another compound is not this box's business.
        var other = await hub.ConnectDeviceAsync("chg-x", site: TestRegistry.OtherSite);
        await HubHost.PublishAsync(other, $"rp/{TestRegistry.OtherSite}/charger/chg-x/telemetry", """{"circuit":"stairwell","tempC":85}""");
        await Eventually.BecomesAsync(async () => (await hub.GetJsonAsync("/api/alerts?state=open&type=charger_overheat")).GetArrayLength(), n => n == 1, TimeSpan.FromSeconds(5), "overheat alert");
        await Task.Delay(500);
        Assert.Equal(PinValue.Low, gpio.OutputOf(Siren));

        var lift = await hub.ConnectDeviceAsync("lift-1");
        await HubHost.PublishAsync(lift, $"rp/{TestRegistry.Site}/elevator/lift-1/event", """{"type":"alarm_button"}""");
        await Eventually.BecomesAsync(() => Task.FromResult(gpio.OutputOf(Siren)), v => v == PinValue.High, TimeSpan.FromSeconds(5), "siren on");

        var alert = (await hub.GetJsonAsync($"/api/alerts?state=open&site={TestRegistry.Site}&type=elevator_entrapment"))[0];
        using var ack = await hub.Http.PostAsJsonAsync($"/api/alerts/{alert.GetProperty("id").GetString()}/ack", new { note = "on our way" });
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        await Eventually.BecomesAsync(() => Task.FromResult(gpio.OutputOf(Siren)), v => v == PinValue.Low, TimeSpan.FromSeconds(5), "siren off");

        // The status LED beats while all this happens.
        var writes = gpio.WritesTo(Led);
        Assert.Contains(writes, w => w.Value == PinValue.High);
        Assert.Contains(writes, w => w.Value == PinValue.Low);
    }

    [Fact]
    public async Task A_bouncing_press_of_the_panic_button_raises_exactly_one_critical_alert()
    {
        await using var hub = await StartAsync();
        var gpio = hub.Services.GetRequiredService<VirtualGpioDriver>();
        Assert.Equal(PinValue.High, gpio.InputOf(Panic)); // pulled up, not pressed

        // The contact chatters for a few milliseconds, is held, and chatters again on release.
        await BounceAsync(gpio, Panic, PinValue.Low);
        await Task.Delay(300);
        await BounceAsync(gpio, Panic, PinValue.High);
        await Task.Delay(300);

        var alerts = await Eventually.BecomesAsync(() => hub.GetJsonAsync("/api/alerts?type=panic_button"), a => a.GetArrayLength() >= 1, TimeSpan.FromSeconds(5), "panic alert");
        await Task.Delay(500);
        alerts = await hub.GetJsonAsync("/api/alerts?type=panic_button");
        var panic = Assert.Single(alerts.EnumerateArray());
        Assert.Equal(1, panic.GetProperty("count").GetInt32());
        Assert.Equal(("critical", "edge", EdgeBox.DeviceId, "gate-house"), (panic.GetProperty("severity").GetString(), panic.GetProperty("kind").GetString(), panic.GetProperty("deviceId").GetString(), panic.GetProperty("zone").GetString()));
        await Eventually.BecomesAsync(() => Task.FromResult(gpio.OutputOf(Siren)), v => v == PinValue.High, TimeSpan.FromSeconds(5), "siren on for the panic alert");
    }

    [Fact]
    public async Task Opening_the_cabinet_raises_edge_tamper_and_closing_it_clears_it()
    {
        await using var hub = await StartAsync();
        var gpio = hub.Services.GetRequiredService<VirtualGpioDriver>();

        await BounceAsync(gpio, Tamper, PinValue.Low);
        var open = await Eventually.BecomesAsync(() => hub.GetJsonAsync("/api/alerts?type=edge_tamper"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(5), "tamper alert");
        Assert.Equal(("major", "active"), (open[0].GetProperty("severity").GetString(), open[0].GetProperty("state").GetString()));

        await BounceAsync(gpio, Tamper, PinValue.High);
        await Eventually.BecomesAsync(async () => (await hub.GetJsonAsync("/api/alerts?type=edge_tamper"))[0].GetProperty("state").GetString(), s => s == "resolved", TimeSpan.FromSeconds(5), "tamper cleared");
    }

    [Fact]
    public async Task A_dark_light_sensor_lets_the_broken_light_rule_judge_lamps_at_noon()
    {
        // Noon in Changsha: the sun is up, so without the sensor lamps are not judged at all.
        var noon = new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.FromHours(8));
        Assert.True(SolarDarkness.SunElevationDegrees(28.11, 113.01, noon) > 30);
        var clock = new FakeTimeProvider(noon);
        await using var hub = await StartAsync(
            new Dictionary<string, string?> { ["AmbientLight:Sensor"] = "bh1750", ["AmbientLight:DarkBelowLux"] = "10" },
            builder => builder.Services.AddSingleton<TimeProvider>(clock));
        var sensor = hub.Services.GetRequiredService<SimulatedBh1750>();
        var darkness = hub.Services.GetRequiredService<ISiteDarkness>();
        var site = hub.Services.GetRequiredService<DeviceRegistry>().SitesById[TestRegistry.Site];

        // Bright daylight on the sensor: a lamp reading no light is not judged.
        sensor.SetLux(20_000);
        await ThreeDarkReadingsAsync(hub, "light-2", clock);
        Assert.False(darkness.IsDark(site, clock.GetUtcNow()));

        // A storm darkens the courtyard: the sensor, read through the BH1750 binding, says night.
        clock.Advance(TimeSpan.FromSeconds(30));
        sensor.SetLux(2);
        Assert.True(darkness.IsDark(site, clock.GetUtcNow()));
        await ThreeDarkReadingsAsync(hub, "light-1", clock);

        var broken = await Eventually.BecomesAsync(() => hub.GetJsonAsync("/api/alerts?type=broken_light"), a => a.GetArrayLength() >= 1, TimeSpan.FromSeconds(5), "broken light");
        await Task.Delay(300);
        broken = await hub.GetJsonAsync("/api/alerts?type=broken_light");
        Assert.Equal(["light-1"], broken.EnumerateArray().Select(a => a.GetProperty("deviceId").GetString()!).ToArray());
        Assert.True(sensor.Reads >= 2);
    }

    private static async Task ThreeDarkReadingsAsync(HubHost hub, string lamp, FakeTimeProvider clock)
    {
        var client = await hub.ConnectDeviceAsync(lamp);
        for (var i = 0; i < 3; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(2));
            await HubHost.PublishAsync(client, $"rp/{TestRegistry.Site}/light/{lamp}/telemetry", """{"on":true,"lux":0.5,"currentA":0.0}""");
        }
    }

    /// <summary>A contact settling at <paramref name="final"/> after chattering for about 10 ms.</summary>
    private static async Task BounceAsync(VirtualGpioDriver gpio, int pin, PinValue final)
    {
        var other = final == PinValue.High ? PinValue.Low : PinValue.High;
        for (var i = 0; i < 4; i++)
        {
            gpio.SetInput(pin, final);
            await Task.Delay(2);
            gpio.SetInput(pin, other);
            await Task.Delay(1);
        }

        gpio.SetInput(pin, final);
    }
}
