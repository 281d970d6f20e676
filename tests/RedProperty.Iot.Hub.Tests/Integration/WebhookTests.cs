using System.Net.Http.Json;
using System.Text.Json;
using MQTTnet;
using RedProperty.Iot.Hub.Notifications;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>A site's webhook: new, escalated (naming the zone's supervisors) and resolved alerts, signed, in order, retried from the outbox, across a kill -9.</summary>
public sealed class WebhookTests : IDisposable
{
    private const string Secret = "a-long-webhook-secret-for-tests";
    private readonly string _workDir = Directory.CreateTempSubdirectory("rp-test-").FullName;

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    private Dictionary<string, string?> Settings(Uri receiver) => new()
    {
        ["Hub:Registry"] = TestRegistry.Write(_workDir),
        ["Influx:Version"] = "none",
        [$"Webhooks:Sites:{TestRegistry.Site}:Url"] = receiver.ToString(),
        [$"Webhooks:Sites:{TestRegistry.Site}:Secret"] = Secret,
        ["Webhooks:FirstRetryDelay"] = "00:00:00.200",
        ["Webhooks:MaxRetryDelay"] = "00:00:01",
    };

    [Fact]
    public async Task A_site_hears_of_new_escalated_and_resolved_alerts_signed_and_in_order_though_its_receiver_fails_twice()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.FailNext(2);
        var settings = Settings(receiver.Url);
        settings["Alerts:AcknowledgeWithin"] = "00:00:01";
        await using var hub = await HubHost.StartAsync(settings);
        // zhao supervises grid-2 (chg-2's zone), qian another zone: the escalation names zhao to tell.
        foreach (var (name, zone) in new[] { ("zhao", "grid-2"), ("qian", "lift-1") })
        {
            (await hub.Http.PostAsJsonAsync("/api/staff", new { username = name, displayName = name, password = $"{name}-password", role = "supervisor", sites = new[] { TestRegistry.Site } })).EnsureSuccessStatusCode();
            (await hub.Http.PatchAsJsonAsync($"/api/staff/{name}", new { zones = new[] { $"{TestRegistry.Site}/{zone}" } })).EnsureSuccessStatusCode();
        }

        var charger = await hub.ConnectDeviceAsync("chg-2");
        await HubHost.PublishAsync(charger, "rp/testsite/charger/chg-2/telemetry", """{"circuit":"station","tempC":82}""");
        var raised = await Eventually.BecomesAsync(() => hub.GetJsonAsync("/api/alerts?state=open"), a => a.GetArrayLength() == 1, what: "overheat alert");
        var id = raised[0].GetProperty("id").GetString()!;
        // Escalated after 1 s without a response, then resolved.
        await Eventually.BecomesAsync(() => hub.GetJsonAsync($"/api/alerts/{id}"), d => d.GetProperty("alert").GetProperty("escalations").GetArrayLength() == 1, TimeSpan.FromSeconds(10), "the escalation");
        (await hub.Http.PostAsJsonAsync($"/api/alerts/{id}/resolve", new { note = "cooled down, charger unplugged" })).EnsureSuccessStatusCode();
        // The other site has no webhook: its alert goes nowhere.
        var foreign = await hub.ConnectDeviceAsync("chg-x", site: TestRegistry.OtherSite);
        await HubHost.PublishAsync(foreign, "rp/othersite/charger/chg-x/telemetry", """{"circuit":"stairwell","tempC":90}""");

        await Eventually.BecomesAsync(() => Task.FromResult(receiver.Requests.Count(r => r.Status < 300)), n => n == 3, TimeSpan.FromSeconds(15), "three events delivered");
        await Task.Delay(500);
        var requests = receiver.Requests.ToArray();
        var delivered = requests.Where(r => r.Status < 300).ToArray();
        Assert.Equal([WebhookEvents.Raised, WebhookEvents.Escalated, WebhookEvents.Resolved], delivered.Select(r => r.Event));
        Assert.True(delivered[0].Delivery < delivered[1].Delivery && delivered[1].Delivery < delivered[2].Delivery);
        // The first event failed twice and was sent again, unchanged; the later ones waited behind it.
        Assert.Equal(5, requests.Length);
        Assert.All(requests.Take(3), r => Assert.Equal((delivered[0].Delivery, delivered[0].Body), (r.Delivery, r.Body)));
        foreach (var request in requests)
        {
            Assert.Equal(WebhookSender.Signature(Secret, request.Timestamp, request.Body), request.Signature);
            Assert.NotEqual(WebhookSender.Signature("another-secret-of-16+", request.Timestamp, request.Body), request.Signature);
            Assert.InRange(DateTimeOffset.FromUnixTimeSeconds(request.Timestamp), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        }

        Assert.Equal(["zhao"], JsonDocument.Parse(delivered[1].Body).RootElement.GetProperty("notify").EnumerateArray().Select(n => n.GetString()));
        Assert.False(JsonDocument.Parse(delivered[0].Body).RootElement.TryGetProperty("notify", out _));
        using var body = JsonDocument.Parse(delivered[2].Body);
        Assert.Equal((WebhookEvents.Resolved, TestRegistry.Site), (body.RootElement.GetProperty("event").GetString(), body.RootElement.GetProperty("site").GetString()));
        var alert = body.RootElement.GetProperty("alert");
        Assert.Equal((id, "resolved", "charger_overheat", TestRegistry.CorridorPlace), (alert.GetProperty("id").GetString(), alert.GetProperty("state").GetString(), alert.GetProperty("type").GetString(), alert.GetProperty("place").GetString()));
        Assert.Equal(2, await hub.MetricAsync($"rp_hub_webhook_deliveries_total{{site=\"{TestRegistry.Site}\",outcome=\"failed\"}}"));
        Assert.Equal(3, await hub.MetricAsync($"rp_hub_webhook_deliveries_total{{site=\"{TestRegistry.Site}\",outcome=\"delivered\"}}"));
        await charger.DisconnectAsync();
        await foreign.DisconnectAsync();
    }

    [Fact]
    public async Task An_event_stored_with_its_alert_is_delivered_after_a_kill_while_the_receiver_was_down()
    {
        // The receiver's port is chosen now, but nothing listens there yet: every attempt is refused.
        var port = FreePort.Next();
        var settings = Settings(new Uri($"http://127.0.0.1:{port}/hooks/rp"));
        var dataDir = Path.Combine(_workDir, "data");
        string id;
        await using (var hub = await HubProcess.StartAsync(dataDir, settings))
        {
            await hub.SignInAsync();
            var charger = await hub.ConnectDeviceAsync("chg-2");
            await charger.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("rp/testsite/charger/chg-2/telemetry").WithPayload("""{"circuit":"station","tempC":82}""")
                .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
            var open = await Eventually.BecomesAsync(async () => await hub.Http.GetFromJsonAsync<JsonElement>("/api/alerts?state=open"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(10), "overheat alert");
            id = open[0].GetProperty("id").GetString()!;
            await Eventually.BecomesAsync(() => hub.MetricAsync($"rp_hub_webhook_deliveries_total{{site=\"{TestRegistry.Site}\",outcome=\"failed\"}}"), n => n >= 1, TimeSpan.FromSeconds(10), "a refused attempt");
            await hub.KillAsync();
        }

        await using var receiver = await WebhookReceiver.StartAsync(port);
        await using var restarted = await HubProcess.StartAsync(dataDir, settings);
        var request = await Eventually.BecomesAsync(() => Task.FromResult(receiver.Requests.FirstOrDefault()), r => r is not null, TimeSpan.FromSeconds(15), "the raise delivered after the restart");
        Assert.Equal(WebhookEvents.Raised, request!.Event);
        Assert.Equal(id, JsonDocument.Parse(request.Body).RootElement.GetProperty("alert").GetProperty("id").GetString());
        await Task.Delay(700);
        Assert.Single(receiver.Requests);
    }

    [Fact]
    public async Task A_webhook_for_a_site_the_registry_lacks_or_without_a_proper_secret_stops_the_hub_at_start()
    {
        var settings = Settings(new Uri("http://127.0.0.1:9/hooks/rp"));
        settings["Webhooks:Sites:nowhere:Url"] = "https://sms.example/hook";
        settings["Webhooks:Sites:nowhere:Secret"] = Secret;
        var unknownSite = await Assert.ThrowsAnyAsync<Exception>(() => HubHost.StartAsync(settings));
        Assert.Contains("Webhooks:Sites names site(s) the registry does not have: nowhere", unknownSite.Message, StringComparison.Ordinal);

        settings = Settings(new Uri("http://127.0.0.1:9/hooks/rp"));
        settings[$"Webhooks:Sites:{TestRegistry.Site}:Secret"] = "short";
        settings[$"Webhooks:Sites:{TestRegistry.Site}:Url"] = "ftp://sms.example/hook";
        var badSettings = await Assert.ThrowsAnyAsync<Exception>(() => HubHost.StartAsync(settings));
        Assert.Contains($"Webhooks:Sites:{TestRegistry.Site}:Secret must be at least 16 characters", badSettings.Message, StringComparison.Ordinal);
        Assert.Contains($"Webhooks:Sites:{TestRegistry.Site}:Url 'ftp://sms.example/hook' must be an absolute http or https address", badSettings.Message, StringComparison.Ordinal);
    }
}
