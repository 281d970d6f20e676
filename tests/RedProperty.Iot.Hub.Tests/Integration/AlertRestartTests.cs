using System.Net.Http.Json;
using MQTTnet;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>A hub restart keeps open alerts, their audit trail and their SLA clocks.</summary>
public sealed class AlertRestartTests : IDisposable
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("rp-test-").FullName;

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    [Fact]
    public async Task Stopping_the_hub_does_not_report_its_connected_devices_offline()
    {
        var dataDir = Path.Combine(_workDir, "data");
        var settings = new Dictionary<string, string?> { ["Hub:Registry"] = TestRegistry.Write(_workDir), ["Influx:Version"] = "none" };
        await using (var first = await HubHost.StartAsync(settings, dataDir))
        {
            // Devices as the contract asks: retained "online" birth, last will "offline".
            foreach (var (id, kind) in new[] { ("cam-1", "camera"), ("lift-1", "elevator"), ("light-2", "light") })
            {
                var device = new MqttClientFactory().CreateMqttClient();
                await device.ConnectAsync(new MqttClientOptionsBuilder()
                    .WithTcpServer("127.0.0.1", first.MqttPort)
                    .WithClientId($"testsite/{id}")
                    .WithCredentials($"testsite/{id}", TestRegistry.SecretOf(id))
                    .WithWillTopic($"rp/testsite/{kind}/{id}/status").WithWillPayload("offline").WithWillRetain()
                    .WithWillQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce)
                    .Build());
                await HubHost.PublishAsync(device, $"rp/testsite/{kind}/{id}/status", "online", retain: true);
            }

            await first.StopAsync();
        }

        // The hub stopping is not the devices going offline: no alert says so after the restart.
        await using var second = await HubHost.StartAsync(settings, dataDir);
        var offline = (await second.GetJsonAsync("/api/alerts?state=open")).EnumerateArray().Where(a => a.GetProperty("type").GetString() == "device_offline").ToArray();
        Assert.True(offline.Length == 0, $"device_offline raised for {string.Join(", ", offline.Select(a => a.GetProperty("deviceId").GetString()))} by the hub's own stop");
    }

    [Fact]
    public async Task Open_alerts_audit_trail_and_sla_timers_survive_a_restart()
    {
        var dataDir = Path.Combine(_workDir, "data");
        var settings = new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Influx:Version"] = "none",
            ["Alerts:AcknowledgeWithin"] = "00:00:10",
            // The on-site promise's older name still sets it (Alerts:ArriveWithin now).
            ["Alerts:ResolveCriticalWithin"] = "00:00:15",
        };

        string id;
        await using (var first = await HubHost.StartAsync(settings, dataDir))
        {
            var charger = await first.ConnectDeviceAsync("chg-2");
            await HubHost.PublishAsync(charger, "rp/testsite/charger/chg-2/telemetry", """{"circuit":"station","tempC":82}""");
            var raised = await Eventually.BecomesAsync(() => first.GetJsonAsync("/api/alerts?state=open"), a => a.GetArrayLength() == 1, what: "overheat alert");
            id = raised[0].GetProperty("id").GetString()!;
            Assert.Equal("critical", raised[0].GetProperty("severity").GetString());
            await charger.DisconnectAsync();
        }

        // Stopped before either SLA fell due; the new hub must escalate on the original clocks.
        await using var second = await HubHost.StartAsync(settings, dataDir);
        var restartedAt = DateTimeOffset.UtcNow;
        var open = await second.GetJsonAsync("/api/alerts?state=open");
        Assert.Equal(id, Assert.Single(open.EnumerateArray()).GetProperty("id").GetString());

        var detail = await Eventually.BecomesAsync(
            () => second.GetJsonAsync($"/api/alerts/{id}"),
            d => d.GetProperty("alert").GetProperty("escalations").GetArrayLength() == 2,
            TimeSpan.FromSeconds(30),
            "both escalations");
        var escalations = detail.GetProperty("alert").GetProperty("escalations").EnumerateArray().ToArray();
        Assert.Equal(new[] { "not_acknowledged", "not_on_site" }, escalations.Select(e => e.GetProperty("reason").GetString()));
        var raisedAt = detail.GetProperty("alert").GetProperty("raisedAt").GetDateTimeOffset();
        Assert.True(restartedAt - raisedAt < TimeSpan.FromSeconds(10), $"the restart took until {(restartedAt - raisedAt).TotalSeconds:0.0} s after the raise, past the first SLA");
        Assert.InRange(escalations[0].GetProperty("at").GetDateTimeOffset() - raisedAt, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(13));
        Assert.InRange(escalations[1].GetProperty("at").GetDateTimeOffset() - raisedAt, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(18));
        Assert.Equal(
            new[] { "raised", "escalated", "escalated" },
            detail.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()));

        // Staff can still act on the restored alert.
        var charger2 = await second.ConnectDeviceAsync("chg-2");
        var response = await second.Http.PostAsJsonAsync($"/api/alerts/{id}/ack", new { note = "checked" });
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        await charger2.DisconnectAsync();
    }
}
