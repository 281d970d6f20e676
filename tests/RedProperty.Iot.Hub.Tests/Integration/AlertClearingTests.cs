using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MQTTnet;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// Which alerts the system may close: an alarm a person pressed, or smoke, is never closed by the hub
/// when its condition clears (it waits for a person); other alerts clear themselves as before. And an
/// alert resolved while its condition persists tells the desk so, and says who resolved it when it comes back.
/// </summary>
public sealed class AlertClearingTests : IAsyncLifetime
{
    private string _workDir = null!;
    private HubHost _hub = null!;
    private Dictionary<string, string?> _settings = null!;

    public async Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-clearing-").FullName;
        _settings = new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Influx:Version"] = "none",
            ["Alerts:Thresholds:FlyingWireSustainS"] = "1",
            ["Alerts:Thresholds:OverheatClearS"] = "1",
            ["Alerts:Thresholds:ElevatorFaultClearS"] = "1",
        };
        _hub = await HubHost.StartAsync(_settings);
        var created = await _hub.Http.PostAsJsonAsync("/api/staff", new { username = "op", displayName = "值班员小王", password = "op-password", role = "operator", sites = new[] { TestRegistry.Site } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task An_alarm_button_entrapment_whose_car_moves_on_stays_open_until_a_person_resolves_it_and_counts_as_cleared_unattended_until_then()
    {
        var lift = await _hub.ConnectDeviceAsync("lift-1");
        var telemetry = $"rp/{TestRegistry.Site}/elevator/lift-1/telemetry";
        await HubHost.PublishAsync(lift, telemetry, """{"floor":7,"doorOpen":false,"running":false,"occupied":true}""");
        await HubHost.PublishAsync(lift, $"rp/{TestRegistry.Site}/elevator/lift-1/event", """{"type":"alarm_button"}""");
        var id = await OpenAlertIdAsync("elevator_entrapment");

        // 16 s later the car runs again ("car running"): nobody has answered the alarm yet.
        await HubHost.PublishAsync(lift, telemetry, """{"floor":6,"running":true}""");
        var detail = await Eventually.BecomesAsync(() => _hub.GetJsonAsync($"/api/alerts/{id}"), d => d.GetProperty("history").GetArrayLength() >= 2, TimeSpan.FromSeconds(5), "the condition clearing");
        var alert = detail.GetProperty("alert");
        Assert.Equal("active", alert.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, alert.GetProperty("resolvedBy").ValueKind);
        Assert.False(alert.GetProperty("conditionPresent").GetBoolean());
        Assert.Equal("staff", alert.GetProperty("clearing").GetString());
        Assert.Equal(["raised", "condition_cleared"], detail.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()!).ToArray());
        Assert.Equal(1, (await _hub.GetJsonAsync("/api/alerts?state=open")).GetArrayLength());

        // The figures: not handled on site, not responded, counted as cleared unattended.
        var month = await MonthNowAsync();
        var figures = (await _hub.GetJsonAsync($"/api/reports/service-quality?site={TestRegistry.Site}&month={month}")).GetProperty("alerts");
        Assert.Equal(1, figures.GetProperty("clearedUnattended").GetInt32());
        Assert.Equal(1, figures.GetProperty("openAtEnd").GetInt32());
        Assert.Equal(JsonValueKind.Null, figures.GetProperty("shareCriticalOnSiteWithinSla").ValueKind);
        Assert.Equal(JsonValueKind.Null, figures.GetProperty("meanMinutesToResolve").ValueKind);

        using var op = await OperatorAsync();
        (await op.PostAsJsonAsync($"/api/alerts/{id}/arrive", new { reason = "保安到场" })).EnsureSuccessStatusCode();
        (await op.PostAsJsonAsync($"/api/alerts/{id}/resolve", new { note = "到场确认，乘客已离开" })).EnsureSuccessStatusCode();
        var resolved = (await _hub.GetJsonAsync($"/api/alerts/{id}")).GetProperty("alert");
        Assert.Equal(("resolved", "op"), (resolved.GetProperty("state").GetString(), resolved.GetProperty("resolvedBy").GetString()));
        figures = (await _hub.GetJsonAsync($"/api/reports/service-quality?site={TestRegistry.Site}&month={month}")).GetProperty("alerts");
        Assert.Equal(0, figures.GetProperty("clearedUnattended").GetInt32());
        Assert.Equal(1.0, figures.GetProperty("shareCriticalOnSiteWithinSla").GetDouble());
        await lift.DisconnectAsync();
    }

    [Fact]
    public async Task A_charger_that_smoked_stays_open_after_it_cools_but_an_overheat_without_smoke_clears_itself()
    {
        var charger = await _hub.ConnectDeviceAsync("chg-2");
        var topic = $"rp/{TestRegistry.Site}/charger/chg-2/telemetry";
        await HubHost.PublishAsync(charger, topic, """{"circuit":"station","currentA":0.1,"tempC":75,"smoke":true}""");
        var smoked = await OpenAlertIdAsync("charger_overheat");
        await CoolDownAsync(charger, topic);
        var detail = await Eventually.BecomesAsync(() => _hub.GetJsonAsync($"/api/alerts/{smoked}"), d => d.GetProperty("history").GetArrayLength() >= 2, TimeSpan.FromSeconds(5), "the smoke clearing");
        Assert.Equal("active", detail.GetProperty("alert").GetProperty("state").GetString());
        Assert.False(detail.GetProperty("alert").GetProperty("conditionPresent").GetBoolean());
        Assert.Equal("condition_cleared", detail.GetProperty("history")[1].GetProperty("action").GetString());

        // Smoke again while it waits for staff: the condition is back, on the same alert.
        await HubHost.PublishAsync(charger, topic, """{"circuit":"station","smoke":true}""");
        detail = await Eventually.BecomesAsync(() => _hub.GetJsonAsync($"/api/alerts/{smoked}"), d => d.GetProperty("alert").GetProperty("conditionPresent").GetBoolean(), TimeSpan.FromSeconds(5), "the condition returning");
        Assert.Equal("condition_returned", detail.GetProperty("history")[2].GetProperty("action").GetString());
        using var op = await OperatorAsync();
        await CoolDownAsync(charger, topic);
        (await op.PostAsJsonAsync($"/api/alerts/{smoked}/resolve", new { note = "灭火器处置，已断电" })).EnsureSuccessStatusCode();

        // Too hot but no smoke: the system may close it once it has cooled, as before.
        var hot = await _hub.ConnectDeviceAsync("chg-1");
        var hotTopic = $"rp/{TestRegistry.Site}/charger/chg-1/telemetry";
        await HubHost.PublishAsync(hot, hotTopic, """{"circuit":"station","currentA":0.1,"tempC":80,"smoke":false}""");
        var overheated = await OpenAlertIdAsync("charger_overheat");
        Assert.Equal("auto", (await _hub.GetJsonAsync($"/api/alerts/{overheated}")).GetProperty("alert").GetProperty("clearing").GetString());
        await CoolDownAsync(hot, hotTopic);
        var cleared = await Eventually.BecomesAsync(() => _hub.GetJsonAsync($"/api/alerts/{overheated}"), d => d.GetProperty("alert").GetProperty("state").GetString() == "resolved", TimeSpan.FromSeconds(5), "the overheat clearing itself");
        Assert.Equal("system", cleared.GetProperty("alert").GetProperty("resolvedBy").GetString());
        await charger.DisconnectAsync();
        await hot.DisconnectAsync();
    }

    [Fact]
    public async Task The_clearing_policy_is_configurable_per_type_and_a_bad_key_stops_the_hub()
    {
        await _hub.DisposeAsync();
        _settings["Alerts:Clearing:elevator_fault"] = "staff";
        _hub = await HubHost.StartAsync(_settings);
        var lift = await _hub.ConnectDeviceAsync("lift-1");
        var telemetry = $"rp/{TestRegistry.Site}/elevator/lift-1/telemetry";
        await HubHost.PublishAsync(lift, telemetry, """{"floor":3,"fault":"E42"}""");
        var id = await OpenAlertIdAsync("elevator_fault");
        await HubHost.PublishAsync(lift, telemetry, """{"fault":null}""");
        await Task.Delay(1200);
        await HubHost.PublishAsync(lift, telemetry, """{"fault":null}""");
        var detail = await Eventually.BecomesAsync(() => _hub.GetJsonAsync($"/api/alerts/{id}"), d => d.GetProperty("history").GetArrayLength() >= 2, TimeSpan.FromSeconds(5), "the fault clearing");
        Assert.Equal("active", detail.GetProperty("alert").GetProperty("state").GetString());
        await lift.DisconnectAsync();
        await _hub.DisposeAsync();

        _settings["Alerts:Clearing:elevator_entrapment/alarm"] = "auto";
        _settings["Alerts:Clearing:panic_button"] = "never";
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => HubHost.StartAsync(_settings));
        Assert.Contains("Alerts:Clearing:elevator_entrapment/alarm", error.Message, StringComparison.Ordinal);
        Assert.Contains("Alerts:Clearing:panic_button", error.Message, StringComparison.Ordinal);
        _settings.Remove("Alerts:Clearing:elevator_entrapment/alarm");
        _settings.Remove("Alerts:Clearing:panic_button");
        _hub = await HubHost.StartAsync(_settings);
    }

    [Fact]
    public async Task Resolved_while_the_charger_still_draws_the_alert_says_so_with_the_reading_and_comes_back_saying_who_resolved_it()
    {
        using var op = await OperatorAsync();
        await using var desk = await DeskClient.ConnectAsync(_hub, await _hub.TokenAsync("op", "op-password"));
        await desk.WaitForAsync("snapshot");
        var charger = await _hub.ConnectDeviceAsync("chg-1");
        var topic = $"rp/{TestRegistry.Site}/charger/chg-1/telemetry";
        await HubHost.PublishAsync(charger, topic, """{"circuit":"corridor","currentA":2.0}""");
        await Task.Delay(1100);
        await HubHost.PublishAsync(charger, topic, """{"circuit":"corridor","currentA":2.59,"tempC":31.5}""");
        var id = await OpenAlertIdAsync("flying_wire_charging");

        var alert = (await op.GetFromJsonAsync<JsonElement>($"/api/alerts/{id}")).GetProperty("alert");
        Assert.True(alert.GetProperty("conditionPresent").GetBoolean());
        var reading = alert.GetProperty("reading");
        Assert.Equal(2.59, reading.GetProperty("values").GetProperty("currentA").GetDouble());
        Assert.Equal(31.5, reading.GetProperty("values").GetProperty("tempC").GetDouble());
        Assert.Equal("corridor", reading.GetProperty("values").GetProperty("circuit").GetString());
        Assert.True(DateTimeOffset.UtcNow - reading.GetProperty("at").GetDateTimeOffset() < TimeSpan.FromSeconds(30));

        (await op.PostAsJsonAsync($"/api/alerts/{id}/resolve", new { note = "已提醒住户" })).EnsureSuccessStatusCode();
        await HubHost.PublishAsync(charger, topic, """{"currentA":2.61}""");

        var (reopened, _) = await desk.WaitForAsync("alertUpdated", a => a.GetProperty("id").GetString() == id && a.GetProperty("state").GetString() == "active" && a.GetProperty("count").GetInt32() >= 2);
        Assert.Equal("op", reopened.GetProperty("reopenedAfterResolveBy").GetString());
        Assert.Equal(2.61, reopened.GetProperty("reading").GetProperty("values").GetProperty("currentA").GetDouble());
        var detail = await op.GetFromJsonAsync<JsonElement>($"/api/alerts/{id}");
        Assert.Equal("op", detail.GetProperty("alert").GetProperty("reopenedAfterResolveBy").GetString());
        Assert.Equal(["raised", "resolved", "reopened"], detail.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()!).ToArray());
        await charger.DisconnectAsync();
    }

    private async Task CoolDownAsync(IMqttClient charger, string topic)
    {
        await HubHost.PublishAsync(charger, topic, """{"circuit":"station","tempC":40,"smoke":false}""");
        await Task.Delay(1200);
        await HubHost.PublishAsync(charger, topic, """{"circuit":"station","tempC":39,"smoke":false}""");
    }

    private async Task<string> OpenAlertIdAsync(string type)
    {
        var alerts = await Eventually.BecomesAsync(() => _hub.GetJsonAsync($"/api/alerts?state=open&type={type}"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(5), $"an open {type}");
        return alerts[0].GetProperty("id").GetString()!;
    }

    private async Task<HttpClient> OperatorAsync()
    {
        var http = new HttpClient { BaseAddress = _hub.HttpUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", await _hub.TokenAsync("op", "op-password"));
        return http;
    }

    /// <summary>This month in the site's time zone (the hub runs on the real clock here).</summary>
    private static Task<string> MonthNowAsync() =>
        Task.FromResult(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture));
}
