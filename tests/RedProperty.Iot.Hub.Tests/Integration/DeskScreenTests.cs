using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>What the desk screen relies on, over plain HTTP: pages, headers, anti-forgery, readings, catch-up.</summary>
public sealed class DeskScreenTests : IAsyncLifetime
{
    private string _workDir = null!;
    private HubHost _hub = null!;

    public async Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-test-").FullName;
        _hub = await HubHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Influx:Version"] = "none",
        });
        var created = await _hub.Http.PostAsJsonAsync("/api/staff", new { username = "op", displayName = "op", password = "op-password", role = "operator", sites = new[] { TestRegistry.Site } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task The_board_is_only_for_staff_and_every_asset_comes_from_the_hub_with_a_strict_policy()
    {
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _hub.HttpUrl };
        using var board = await anonymous.GetAsync("/?site=testsite");
        Assert.Equal(HttpStatusCode.Redirect, board.StatusCode);
        Assert.Equal("/login.html?site=testsite", board.Headers.Location!.OriginalString);

        using var login = await anonymous.GetAsync("/login.html");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var csp = login.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Equal("nosniff", login.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", login.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", login.Headers.GetValues("Referrer-Policy").Single());

        // No inline script, and nothing loaded from another origin, in any page.
        var wwwroot = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        foreach (var page in Directory.GetFiles(wwwroot, "*.html"))
        {
            var html = await File.ReadAllTextAsync(page);
            Assert.DoesNotMatch("<script(?![^>]*\\bsrc=)[^>]*>", html);
            Assert.DoesNotMatch("(src|href)=\"(https?:)?//", html);
            Assert.DoesNotMatch("<[^>]+\\son[a-z]+\\s*=", html);
        }

        foreach (var asset in new[] { "/lib/signalr/signalr.min.js", "/js/desk.js", "/css/desk.css", "/img/icons.svg" })
        {
            using var response = await anonymous.GetAsync(asset);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset}: {response.StatusCode}");
        }

        using var staff = await DeskSession.LoginAsync(_hub.HttpUrl, "op", "op-password");
        var index = await staff.GetStringAsync("/");
        Assert.Contains("/js/desk.js", index);
    }

    [Fact]
    public async Task State_changes_on_a_cookie_session_need_the_anti_forgery_token_and_bearer_clients_do_not()
    {
        var charger = await _hub.ConnectDeviceAsync("chg-1");
        await HubHost.PublishAsync(charger, $"rp/{TestRegistry.Site}/charger/chg-1/telemetry", """{"circuit":"corridor","tempC":80}""");
        var alert = await Eventually.BecomesAsync(() => _hub.GetJsonAsync("/api/alerts?state=open"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(5), "overheat alert");
        var id = alert[0].GetProperty("id").GetString();
        Assert.Equal(alert[0].GetProperty("raisedAt").GetDateTimeOffset() + TimeSpan.FromMinutes(30), alert[0].GetProperty("arriveDueAt").GetDateTimeOffset());

        using var session = await DeskSession.LoginAsync(_hub.HttpUrl, "op", "op-password");
        session.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");
        using (var refused = await session.PostAsJsonAsync($"/api/alerts/{id}/ack", new { }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("Anti-forgery", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        }

        session.DefaultRequestHeaders.Add("X-CSRF-TOKEN", "forged");
        using (var forged = await session.PostAsJsonAsync($"/api/alerts/{id}/ack", new { }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        }

        await DeskSession.UseAntiforgeryTokenAsync(session);
        using (var accepted = await session.PostAsJsonAsync($"/api/alerts/{id}/ack", new { }))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        using var bearer = await _hub.Http.PostAsJsonAsync($"/api/alerts/{id}/resolve", new { note = "replaced the charger" });
        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
    }

    [Fact]
    public async Task The_hub_keeps_the_last_minutes_of_chargers_and_lights_and_the_state_of_each_car()
    {
        var charger = await _hub.ConnectDeviceAsync("chg-2");
        var lift = await _hub.ConnectDeviceAsync("lift-1");
        await HubHost.PublishAsync(charger, $"rp/{TestRegistry.Site}/charger/chg-2/telemetry", """{"circuit":"station","currentA":1.5}""");
        await HubHost.PublishAsync(charger, $"rp/{TestRegistry.Site}/charger/chg-2/telemetry", """{"circuit":"station","currentA":2.5}""");
        await HubHost.PublishAsync(lift, $"rp/{TestRegistry.Site}/elevator/lift-1/telemetry", """{"floor":3,"doorOpen":true,"running":false,"occupied":true}""");
        await HubHost.PublishAsync(lift, $"rp/{TestRegistry.Site}/elevator/lift-1/telemetry", """{"floor":4,"running":true,"doorOpen":false}""");
        await HubHost.PublishAsync(lift, $"rp/{TestRegistry.Site}/elevator/lift-1/telemetry", """{"fault":"E12"}""");

        var series = await _hub.GetJsonAsync($"/api/devices/series?site={TestRegistry.Site}&kind=charger");
        var chg2 = series.EnumerateArray().Single(s => s.GetProperty("deviceId").GetString() == "chg-2");
        Assert.Equal("currentA", chg2.GetProperty("metric").GetString());
        Assert.Equal(15, chg2.GetProperty("stepS").GetInt32());
        var values = chg2.GetProperty("values").EnumerateArray().ToArray();
        Assert.Equal(60, values.Length);
        // The newest step holds the highest reading in it (both readings may straddle a step boundary).
        var readings = values.Where(v => v.ValueKind == JsonValueKind.Number).Select(v => v.GetDouble()).ToArray();
        Assert.Equal(2.5, readings[^1]);
        Assert.All(readings, r => Assert.Contains(r, new[] { 1.5, 2.5 }));
        Assert.Equal(JsonValueKind.Null, values[0].ValueKind);

        var cars = await _hub.GetJsonAsync("/api/devices/elevators");
        var car = Assert.Single(cars.EnumerateArray());
        Assert.Equal(4, car.GetProperty("floor").GetInt64());
        Assert.False(car.GetProperty("doorOpen").GetBoolean());
        Assert.True(car.GetProperty("running").GetBoolean());
        Assert.True(car.GetProperty("occupied").GetBoolean());
        Assert.Equal("E12", car.GetProperty("fault").GetString());

        var sites = await _hub.GetJsonAsync("/api/sites");
        var site = sites.EnumerateArray().Single(s => s.GetProperty("id").GetString() == TestRegistry.Site);
        Assert.Equal("Asia/Shanghai", site.GetProperty("timeZone").GetString());
        Assert.Equal("测试小区", site.GetProperty("name").GetString());
        Assert.Equal(3, site.GetProperty("zones").GetArrayLength());
    }

    [Fact]
    public async Task The_elevator_panel_gets_live_changes_and_a_desk_from_a_reset_hub_gets_a_snapshot()
    {
        var token = await _hub.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword);
        await using (var desk = await DeskClient.ConnectAsync(_hub, token))
        {
            await desk.WaitForAsync("snapshot");
            var lift = await _hub.ConnectDeviceAsync("lift-1");
            await HubHost.PublishAsync(lift, $"rp/{TestRegistry.Site}/elevator/lift-1/telemetry", """{"floor":9,"doorOpen":false,"running":true,"occupied":false}""");
            var (car, _) = await desk.WaitForAsync("elevatorChanged");
            Assert.Equal(9, car.GetProperty("floor").GetInt64());
            Assert.Equal("lift-1", car.GetProperty("deviceId").GetString());
        }

        // A number the change log never issued (the screen saw a hub whose data was since reset): start afresh.
        await using var stale = await DeskClient.ConnectAsync(_hub, token, lastSeq: 1_000_000);
        var (snapshot, _) = await stale.WaitForAsync("snapshot");
        var seq = snapshot.GetProperty("seq").GetInt64();
        Assert.InRange(seq, 1, 1_000);
        Assert.Contains(snapshot.GetProperty("devices").EnumerateArray(), d => d.GetProperty("deviceId").GetString() == "lift-1" && d.GetProperty("status").GetString() == "online");
    }
}
