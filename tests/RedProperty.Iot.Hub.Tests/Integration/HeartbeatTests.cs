using MQTTnet;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>A device that falls silent is flagged offline on the desk, and back online when it speaks again.</summary>
public sealed class HeartbeatTests : IDisposable
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("rp-test-").FullName;

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    [Fact]
    public async Task Silence_raises_device_offline_and_shows_the_device_offline_until_it_reports_again()
    {
        await using var hub = await HubHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Influx:Version"] = "none",
            // light-2 reports every 30 s; 0.05 intervals makes 1.5 s of silence count as offline.
            ["Alerts:Devices:testsite/light-2:OfflineIntervals"] = "0.05",
        });
        await using var desk = await DeskClient.ConnectAsync(hub, await hub.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword));
        await desk.WaitForAsync("snapshot");
        var lamp = await hub.ConnectDeviceAsync("light-2");
        await HubHost.PublishAsync(lamp, "rp/testsite/light/light-2/telemetry", """{"on":false}""");
        var (firstOnline, _) = await desk.WaitForAsync("deviceStatusChanged", s => s.GetProperty("deviceId").GetString() == "light-2" && s.GetProperty("status").GetString() == "online");

        var (offline, _) = await desk.WaitForAsync("deviceStatusChanged", s => s.GetProperty("deviceId").GetString() == "light-2" && s.GetProperty("status").GetString() == "offline" && s.GetProperty("seq").GetInt64() > firstOnline.GetProperty("seq").GetInt64());
        // Raised, or reopened when the start-up grace (also 1.5 s here) already flagged the lamp before its first reading on a busy machine.
        var alert = await Eventually.BecomesAsync(
            () => Task.FromResult(desk.Received.Where(r => r.Method is "alertRaised" or "alertUpdated").Select(r => r.Payload).LastOrDefault(a =>
                a.GetProperty("type").GetString() == "device_offline" && a.GetProperty("deviceId").GetString() == "light-2"
                && a.GetProperty("state").GetString() == "active" && a.GetProperty("seq").GetInt64() > firstOnline.GetProperty("seq").GetInt64())),
            a => a.ValueKind == System.Text.Json.JsonValueKind.Object,
            TimeSpan.FromSeconds(10),
            "device_offline active after the lamp's first reading");
        Assert.Equal("minor", alert.GetProperty("severity").GetString());
        Assert.Contains("no telemetry", alert.GetProperty("message").GetString(), StringComparison.Ordinal);

        await HubHost.PublishAsync(lamp, "rp/testsite/light/light-2/telemetry", """{"on":false}""");
        var (online, _) = await desk.WaitForAsync("deviceStatusChanged", s => s.GetProperty("status").GetString() == "online" && s.GetProperty("seq").GetInt64() > offline.GetProperty("seq").GetInt64());
        var (cleared, _) = await desk.WaitForAsync("alertUpdated", a => a.GetProperty("type").GetString() == "device_offline" && a.GetProperty("state").GetString() == "resolved" && a.GetProperty("seq").GetInt64() > alert.GetProperty("seq").GetInt64());
        Assert.Equal("system", cleared.GetProperty("resolvedBy").GetString());
        Assert.Equal("light-2", online.GetProperty("deviceId").GetString());
        await lamp.DisconnectAsync();
    }
}
