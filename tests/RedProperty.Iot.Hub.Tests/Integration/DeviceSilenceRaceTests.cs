using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// The silence rule judges on the clock while the alert pipeline judges the devices' messages: a device that
/// speaks just as its silence is judged must not be left with an open device_offline alert.
/// </summary>
public sealed class DeviceSilenceRaceTests : IDisposable
{
    private const int Lamps = 40;
    private readonly string _workDir = Directory.CreateTempSubdirectory("rp-test-").FullName;

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    [Fact]
    public async Task A_device_that_speaks_as_its_silence_is_judged_is_not_left_offline()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.FromHours(8)));
        var settings = new Dictionary<string, string?> { ["Hub:Registry"] = TestRegistry.Write(_workDir, extraLights: Lamps), ["Influx:Version"] = "none" };
        await using var hub = await HubHost.StartAsync(settings, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var lamps = new List<(string Id, IMqttClient Client)>();
        for (var i = 0; i < Lamps; i++)
        {
            lamps.Add(($"light-x{i}", await hub.ConnectDeviceAsync($"light-x{i}")));
        }

        // Each round every lamp reports, and at once 91 s pass (30 s interval, silent after 3): the clock's
        // silence check and the judging of the readings run into each other.
        for (var round = 0; round < 20; round++)
        {
            await Task.WhenAll(lamps.Select(l => HubHost.PublishAsync(l.Client, $"rp/{TestRegistry.Site}/light/{l.Id}/telemetry", """{"on":false,"lux":30,"currentA":0,"voltageV":220}""")));
            clock.Advance(TimeSpan.FromSeconds(91));
            await Task.Delay(20);
        }

        // Every lamp reports once more, with no time passing: every one of them is online.
        await Task.WhenAll(lamps.Select(l => HubHost.PublishAsync(l.Client, $"rp/{TestRegistry.Site}/light/{l.Id}/telemetry", """{"on":false,"lux":30,"currentA":0,"voltageV":220}""")));
        // (The registry's other devices never spoke: they are rightly offline.)
        static bool IsLamp(JsonElement e, string idField) => e.GetProperty(idField).GetString()!.StartsWith("light-x", StringComparison.Ordinal);
        var open = await Eventually.BecomesAsync(
            async () => (await hub.GetJsonAsync("/api/alerts?state=open&type=device_offline&limit=1000")).EnumerateArray().Where(a => IsLamp(a, "deviceId")).Select(a => a.GetProperty("deviceId").GetString()).ToArray(),
            a => a.Length == 0,
            TimeSpan.FromSeconds(10),
            "no lamp left offline");
        Assert.Empty(open);
        var offline = await hub.GetJsonAsync($"/api/devices?site={TestRegistry.Site}");
        Assert.Equal(Lamps, offline.EnumerateArray().Count(d => IsLamp(d, "id")));
        Assert.DoesNotContain(offline.EnumerateArray(), d => IsLamp(d, "id") && d.GetProperty("status").GetString() == "offline");
        foreach (var (_, client) in lamps)
        {
            await client.DisconnectAsync();
        }
    }
}
