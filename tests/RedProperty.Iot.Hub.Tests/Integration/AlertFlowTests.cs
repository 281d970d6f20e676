using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Registry;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// Device traffic through the real broker becomes alerts in a real SQLite file, pushed to real
/// SignalR clients; staff act through the REST API. The flying-wire window is shortened to 1 s by
/// configuration so the tests run in real time.
/// </summary>
public sealed class AlertFlowTests : IAsyncLifetime
{
    private static readonly string[] AlertFields =
    [
        "id", "seq", "site", "zone", "deviceId", "kind", "type", "severity", "state", "message", "raisedAt",
        "lastSeenAt", "count", "acknowledgedBy", "acknowledgedAt", "resolvedBy", "resolvedAt", "escalations", "snapshotUrl",
        "acknowledgeDueAt", "arriveDueAt", "clipUrl", "clearing", "conditionPresent", "conditionClearedAt", "reopenedAfterResolveBy", "reading", "fact",
        "onTheWayBy", "onTheWayAt", "arrivedBy", "arrivedAt", "arrivalProof", "place", "placeName", "assignedTo", "assignedAt",
        "photoUrl", "residentPhotoUrl", "commands",
    ];

    private string _workDir = null!;
    private HubHost _hub = null!;
    private Dictionary<string, string?> _settings = null!;

    public async Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-test-").FullName;
        _settings = new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Influx:Version"] = "none",
            ["Alerts:Thresholds:FlyingWireSustainS"] = "1",
        };
        _hub = await HubHost.StartAsync(_settings);
        await CreateStaffAsync("op", "operator", [TestRegistry.Site]);
        await CreateStaffAsync("op2", "operator", [TestRegistry.Site]);
        await CreateStaffAsync("other", "operator", [TestRegistry.OtherSite]);
        await CreateStaffAsync("watcher", "viewer", [TestRegistry.Site]);
    }

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    private async Task CreateStaffAsync(string username, string role, string[] sites)
    {
        var response = await _hub.Http.PostAsJsonAsync("/api/staff", new { username, displayName = username, password = $"{username}-password", role, sites });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private Task<string> TokenAsync(string username) => _hub.TokenAsync(username, $"{username}-password");

    private async Task<HttpClient> ClientAsync(string username)
    {
        var http = new HttpClient { BaseAddress = _hub.HttpUrl };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await TokenAsync(username));
        return http;
    }

    /// <summary>Two readings of a corridor charger drawing 2 A, 1.1 s apart: flying-wire charging.</summary>
    private async Task<DateTime> FlyingWireAsync(IMqttClient charger, string device = "chg-1", string site = TestRegistry.Site)
    {
        var topic = $"rp/{site}/charger/{device}/telemetry";
        Assert.True((await HubHost.PublishAsync(charger, topic, """{"circuit":"corridor","currentA":2.0}""")).IsSuccess);
        await Task.Delay(1100);
        var sentAt = DateTime.UtcNow;
        Assert.True((await HubHost.PublishAsync(charger, topic, """{"circuit":"corridor","currentA":2.1}""")).IsSuccess);
        return sentAt;
    }

    [Fact]
    public async Task A_flying_wire_pattern_reaches_an_operator_as_alertRaised_within_a_second()
    {
        await using var desk = await DeskClient.ConnectAsync(_hub, await TokenAsync("op"));
        await desk.WaitForAsync("snapshot");
        var charger = await _hub.ConnectDeviceAsync("chg-1");

        var sentAt = await FlyingWireAsync(charger);
        var (alert, receivedAt) = await desk.WaitForAsync("alertRaised");

        Assert.True(receivedAt - sentAt < TimeSpan.FromSeconds(1), $"alertRaised took {(receivedAt - sentAt).TotalMilliseconds:0} ms");
        Assert.Equal(AlertFields.Order(), alert.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("flying_wire_charging", alert.GetProperty("type").GetString());
        Assert.Equal("major", alert.GetProperty("severity").GetString());
        Assert.Equal("active", alert.GetProperty("state").GetString());
        Assert.Equal(TestRegistry.HostileZone, alert.GetProperty("zone").GetString());
        Assert.Equal((TestRegistry.HostileZone, "第一网格"), (alert.GetProperty("place").GetString(), alert.GetProperty("placeName").GetString()));
        Assert.Equal("chg-1", alert.GetProperty("deviceId").GetString());
        Assert.Equal("charger", alert.GetProperty("kind").GetString());
        // The response promise runs from when the alert was raised; only critical alerts have an on-site promise.
        Assert.Equal(alert.GetProperty("raisedAt").GetDateTimeOffset() + TimeSpan.FromMinutes(15), alert.GetProperty("acknowledgeDueAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, alert.GetProperty("arriveDueAt").ValueKind);
        Assert.True(alert.GetProperty("seq").GetInt64() > 0);
        await charger.DisconnectAsync();
    }

    [Fact]
    public async Task Acknowledged_through_the_api_a_second_operator_sees_alertUpdated_and_the_audit_trail_records_who()
    {
        await using var first = await DeskClient.ConnectAsync(_hub, await TokenAsync("op"));
        await using var second = await DeskClient.ConnectAsync(_hub, await TokenAsync("op2"));
        var charger = await _hub.ConnectDeviceAsync("chg-1");
        await FlyingWireAsync(charger);
        var (raised, _) = await first.WaitForAsync("alertRaised");
        var id = raised.GetProperty("id").GetString();

        using var op = await ClientAsync("op");
        var ack = await op.PostAsJsonAsync($"/api/alerts/{id}/ack", new { note = "on my way" });
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);

        var (updated, _) = await second.WaitForAsync("alertUpdated", a => a.GetProperty("state").GetString() == "acknowledged");
        Assert.Equal("op", updated.GetProperty("acknowledgedBy").GetString());
        Assert.True(updated.GetProperty("seq").GetInt64() > raised.GetProperty("seq").GetInt64());

        var resolveWithoutNote = await op.PostAsJsonAsync($"/api/alerts/{id}/resolve", new { note = "" });
        Assert.Equal(HttpStatusCode.BadRequest, resolveWithoutNote.StatusCode);
        Assert.Equal("application/problem+json", resolveWithoutNote.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await op.PostAsJsonAsync($"/api/alerts/{id}/resolve", new { note = "charger unplugged, resident warned" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await op.PostAsJsonAsync($"/api/alerts/{id}/ack", new { })).StatusCode);

        var detail = await op.GetFromJsonAsync<JsonElement>($"/api/alerts/{id}");
        Assert.Equal("charger unplugged, resident warned", detail.GetProperty("resolutionNote").GetString());
        Assert.Equal(
            new[] { ("raised", "system"), ("acknowledged", "op"), ("resolved", "op") },
            detail.GetProperty("history").EnumerateArray().Select(h => (h.GetProperty("action").GetString()!, h.GetProperty("by").GetString()!)));
        await charger.DisconnectAsync();
    }

    [Fact]
    public async Task Staff_of_another_site_receive_nothing_and_cannot_act_and_viewers_cannot_act()
    {
        await using var outsider = await DeskClient.ConnectAsync(_hub, await TokenAsync("other"));
        await using var insider = await DeskClient.ConnectAsync(_hub, await TokenAsync("op"));
        var charger = await _hub.ConnectDeviceAsync("chg-1");
        await FlyingWireAsync(charger);
        var (raised, _) = await insider.WaitForAsync("alertRaised");
        var id = raised.GetProperty("id").GetString();

        using var other = await ClientAsync("other");
        Assert.Equal(HttpStatusCode.Forbidden, (await other.PostAsJsonAsync($"/api/alerts/{id}/ack", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync($"/api/alerts/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync($"/api/alerts?site={TestRegistry.Site}")).StatusCode);
        Assert.Empty(await other.GetFromJsonAsync<JsonElement[]>("/api/alerts") ?? []);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync($"/api/devices/{TestRegistry.Site}/chg-1")).StatusCode);

        using var watcher = await ClientAsync("watcher");
        Assert.Equal(HttpStatusCode.Forbidden, (await watcher.PostAsJsonAsync($"/api/alerts/{id}/ack", new { })).StatusCode);
        Assert.Single(await watcher.GetFromJsonAsync<JsonElement[]>("/api/alerts?state=open") ?? []);

        using var anonymous = new HttpClient { BaseAddress = _hub.HttpUrl };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/alerts")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/devices")).StatusCode);

        // The other site's own alert reaches its operator, and the first site's never did.
        var foreignCharger = await _hub.ConnectDeviceAsync("chg-x", site: TestRegistry.OtherSite);
        await FlyingWireAsync(foreignCharger, "chg-x", TestRegistry.OtherSite);
        var (own, _) = await outsider.WaitForAsync("alertRaised");
        Assert.Equal(TestRegistry.OtherSite, own.GetProperty("site").GetString());
        Assert.DoesNotContain(outsider.Received, r => r.Payload.ValueKind == JsonValueKind.Object && r.Payload.TryGetProperty("site", out var site) && site.GetString() == TestRegistry.Site);
        await charger.DisconnectAsync();
        await foreignCharger.DisconnectAsync();
    }

    [Fact]
    public async Task A_client_that_reconnects_with_its_last_seq_gets_exactly_the_changes_it_missed()
    {
        var token = await TokenAsync("op");
        var charger = await _hub.ConnectDeviceAsync("chg-1");
        long lastSeq;
        await using (var desk = await DeskClient.ConnectAsync(_hub, token))
        {
            await FlyingWireAsync(charger);
            lastSeq = (await desk.WaitForAsync("alertRaised")).Payload.GetProperty("seq").GetInt64();
        }

        // While disconnected: the alert is acknowledged, a lamp device goes offline and online, and the alert clears.
        using var op = await ClientAsync("op");
        var id = (await op.GetFromJsonAsync<JsonElement[]>("/api/alerts?state=open"))![0].GetProperty("id").GetString();
        await op.PostAsJsonAsync($"/api/alerts/{id}/ack", new { });
        var lamp = await _hub.ConnectDeviceAsync("light-2");
        await HubHost.PublishAsync(lamp, "rp/testsite/light/light-2/status", "offline", retain: true);
        await HubHost.PublishAsync(lamp, "rp/testsite/light/light-2/status", "online", retain: true);
        await op.PostAsJsonAsync($"/api/alerts/{id}/resolve", new { note = "done" });
        var expected = await Eventually.BecomesAsync(
            async () => await _hub.Services.GetRequiredService<RedProperty.Iot.Hub.Storage.ChangeLogStore>().ChangesSinceAsync(lastSeq, [TestRegistry.Site], 100),
            changes => changes.Count(c => c.Event == "deviceStatusChanged") >= 2 && changes.Count(c => c.Event == "alertUpdated") >= 2,
            what: "changes while disconnected");

        // The changes have gone out live (to nobody of ours) before the client comes back.
        var broadcaster = _hub.Services.GetRequiredService<RedProperty.Iot.Hub.Desk.DeskBroadcaster>();
        await Eventually.BecomesAsync(() => Task.FromResult(broadcaster.LastSentSeq), sent => sent >= expected.Max(c => c.Seq), what: "changes broadcast");

        await using var back = await DeskClient.ConnectAsync(_hub, token, lastSeq);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (back.Received.Count < expected.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        await Task.Delay(300);
        Assert.DoesNotContain(back.Received, r => r.Method == "snapshot");
        var replayed = back.Received.Select(r => (r.Method, Seq: r.Payload.GetProperty("seq").GetInt64())).ToArray();
        Assert.Equal(expected.Select(c => (c.Event, c.Seq)), replayed);
        Assert.All(replayed, r => Assert.True(r.Seq > lastSeq));
        await charger.DisconnectAsync();
        await lamp.DisconnectAsync();
    }

    [Fact]
    public async Task Many_triggers_at_once_make_one_alert()
    {
        var service = _hub.Services.GetRequiredService<AlertService>();
        var registry = _hub.Services.GetRequiredService<DeviceRegistry>();
        registry.TryGetDevice(TestRegistry.Site, "chg-2", out var device);
        var signal = new AlertSignal(AlertSignalKind.Raise, AlertType.ChargerOverheat, device, AlertSeverity.Critical, "80 °C");

        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => service.ApplyAsync(signal, CancellationToken.None))));

        // Repeats are stored at most every 5 s per alert, so the count reaches the store shortly after.
        var alerts = await Eventually.BecomesAsync(
            async () => (await _hub.Http.GetFromJsonAsync<JsonElement[]>("/api/alerts?type=charger_overheat"))!,
            found => found.Length == 1 && found[0].GetProperty("count").GetInt32() == 50,
            TimeSpan.FromSeconds(15),
            "one alert counted 50 times");
        Assert.Equal("active", alerts[0].GetProperty("state").GetString());
    }

    [Fact]
    public async Task Wrong_passwords_slow_the_guesser_down_without_locking_the_account()
    {
        using var anonymous = new HttpClient { BaseAddress = _hub.HttpUrl };
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "watcher", password = "guess" })).StatusCode);
        }

        // From this address the name now waits (the right password is not even checked), with no hint whether it exists.
        var throttled = await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "watcher", password = "watcher-password" });
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.NotNull(throttled.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "op", password = "op-password" })).StatusCode);

        // Nothing is locked: the owner elsewhere gets in at once.
        using var elsewhere = LoopbackClient.Create(_hub.HttpUrl, "127.0.0.2");
        Assert.Equal(HttpStatusCode.OK, (await elsewhere.PostAsJsonAsync("/api/auth/token", new { username = "watcher", password = "watcher-password" })).StatusCode);
    }

    [Fact]
    public async Task A_cookie_login_works_for_the_api_with_anti_forgery_tokens()
    {
        var cookies = new System.Net.CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = _hub.HttpUrl };
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostAsJsonAsync("/api/auth/login", new { username = "op", password = "op-password" })).StatusCode);

        await DeskSession.UseAntiforgeryTokenAsync(browser);
        Assert.Equal(HttpStatusCode.OK, (await browser.PostAsJsonAsync("/api/auth/login", new { username = "op", password = "op-password" })).StatusCode);
        var cookie = cookies.GetCookies(_hub.HttpUrl)["rp_desk"];
        Assert.NotNull(cookie);
        Assert.True(cookie.HttpOnly);
        var me = await browser.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.Equal("operator", me.GetProperty("role").GetString());

        // The token was issued to an anonymous visitor: a signed-in session needs its own.
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostAsync("/api/auth/logout", null)).StatusCode);
        await DeskSession.UseAntiforgeryTokenAsync(browser);
        Assert.Equal(HttpStatusCode.NoContent, (await browser.PostAsync("/api/auth/logout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/auth/me")).StatusCode);
    }
}
