using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;
using RedProperty.Iot.Hub.Storage;
using RedProperty.Iot.Hub.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RedProperty.Iot.Hub.Tests.Browser;

/// <summary>
/// What the desk says about an alert, in the user's language: the facts the rules found (values, units,
/// durations, circuits), the automatic notes of the audit trail, dates and the escalation badge. Names
/// from the registry, device ids, fault codes and people's names are shown as they are.
/// </summary>
[Collection("browser")]
public sealed partial class DeskLanguageBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    // An alert stored by an earlier hub (schema 5, before alerts carried facts): 10:00 in Shanghai on 2 December.
    private const string OldAlertId = "5f0c1f9e-8d1a-4c55-9a43-0d6d7a1b2c3d";
    private const string OldMessage = "lamp on but only 1.2 lx (3 readings in a row, at night)";
    private static readonly DateTimeOffset OldRaisedAt = new(2026, 12, 2, 2, 0, 0, TimeSpan.Zero);

    private readonly WatchedPages _pages = new(browser);
    private string _workDir = null!;
    private HubHost _hub = null!;

    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(10_000);
        _workDir = Directory.CreateTempSubdirectory("rp-desk-lang-").FullName;
        var dataDir = Path.Combine(_workDir, "hub");
        Directory.CreateDirectory(dataDir);
        await SeedOldAlertAsync(Path.Combine(dataDir, "hub.db"));
        _hub = await HubHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Influx:Version"] = "none",
            ["Alerts:Thresholds:FlyingWireSustainS"] = "1",
            ["Alerts:Thresholds:TamperClearS"] = "1",
            ["Alerts:AcknowledgeWithin"] = "00:00:02",
        }, dataDir);
        var created = await _hub.Http.PostAsJsonAsync("/api/staff", new { username = "op", displayName = "值班员小王", password = "op-password", role = "operator", sites = new[] { TestRegistry.Site } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _pages.DisposeAsync();
        await _hub.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task Facts_automatic_notes_and_dates_are_in_the_users_language()
    {
        var page = await LoggedInPageAsync();
        var (flyingWire, tamper) = await RaiseAlertsAsync();

        // Chinese (the default): the rules' findings and the system's notes are Chinese sentences.
        var row = page.Locator($".alert[data-alert-id='{flyingWire}']");
        await row.ClickAsync();
        var drawer = page.Locator("#drawer");
        await Expect(drawer.Locator(".trail li[data-action='escalated']")).ToHaveCountAsync(1);
        var details = await drawer.Locator(".facts").InnerTextAsync() + "\n" + await drawer.Locator(".trail").InnerTextAsync();
        AssertNoEnglish(details, "the flying-wire alert's details");
        await Expect(row.Locator(".badge.escalated")).ToHaveTextAsync("已升级");
        await Expect(drawer.Locator(".facts .alert-fact")).ToHaveTextAsync(new Regex(@"^走廊线路持续用电 2\.59 A，已持续 \d秒$"));
        await Expect(drawer.Locator(".trail li[data-action='escalated'] .trail-note")).ToHaveTextAsync("15 分钟内未响应");
        await Expect(drawer.Locator(".facts")).ToContainTextAsync(new Regex(@"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}:\d{2}"));
        await TestArtifacts.ScreenshotAsync(page, "desk-facts-chinese");

        var lift = page.Locator(".alert[data-type='elevator_fault'] .alert-fact");
        await Expect(lift).ToHaveTextAsync("控制器故障码 E21");
        var smoke = page.Locator(".alert[data-type='charger_overheat'] .alert-fact");
        await Expect(smoke).ToHaveTextAsync("检测到烟雾，85.5 °C");
        foreach (var fact in await page.Locator(".alert:not([data-alert-id='" + OldAlertId + "']) .alert-fact").AllInnerTextsAsync())
        {
            AssertNoEnglish(fact, "a fact on the board");
        }

        // An alert stored before facts existed shows what it said then.
        var old = page.Locator($".alert[data-alert-id='{OldAlertId}']");
        await Expect(old.Locator(".alert-fact")).ToHaveTextAsync(OldMessage);
        await old.ClickAsync();
        await Expect(drawer.Locator(".facts")).ToContainTextAsync("2026年12月2日 10:00:00");
        await Expect(drawer.Locator(".trail li[data-action='raised'] .trail-note")).ToHaveTextAsync(OldMessage);

        // The automatic note of an alert that cleared itself.
        await page.SelectOptionAsync("#f-state", "resolved");
        var cleared = page.Locator($".alert[data-alert-id='{tamper}']");
        await cleared.ClickAsync();
        await Expect(drawer.Locator(".trail li[data-action='cleared'] .trail-note")).ToHaveTextAsync("画面正常已持续 1秒");
        await Expect(drawer.Locator(".trail li[data-action='raised'] .trail-note")).ToHaveTextAsync("镜头被遮挡或摄像头被移动");

        // English: nothing the page says is Chinese, and no date is in US order.
        await page.ClickAsync("#drawer-close");
        await page.ClickAsync("#lang");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await cleared.ClickAsync();
        await Expect(drawer.Locator(".trail li[data-action='cleared'] .trail-note")).ToHaveTextAsync("Picture normal for 1 s");
        await Expect(drawer.Locator(".trail li[data-action='raised'] .trail-note")).ToHaveTextAsync("Lens covered or camera moved");
        await AssertEnglishPageAsync(page, "the resolved view with a cleared alert's details");

        await page.SelectOptionAsync("#f-state", "open");
        await row.ClickAsync();
        await Expect(drawer.Locator(".facts .alert-fact")).ToHaveTextAsync(new Regex(@"^Corridor circuit drawing 2\.59 A for \d s$"));
        await Expect(drawer.Locator(".trail li[data-action='escalated'] .trail-note")).ToHaveTextAsync("Not responded within 15 minutes");
        await Expect(row.Locator(".badge.escalated")).ToHaveTextAsync("Escalated");
        await Expect(page.Locator(".alert[data-type='charger_overheat'] .alert-fact")).ToHaveTextAsync("Smoke detected, 85.5 °C");
        await AssertEnglishPageAsync(page, "the board with the flying-wire alert's details");
        await TestArtifacts.ScreenshotAsync(page, "desk-facts-english");

        await old.ClickAsync();
        await Expect(drawer.Locator(".facts")).ToContainTextAsync("2 Dec 2026, 10:00:00");
        await AssertEnglishPageAsync(page, "the old alert's details");
        Assert.Empty(_pages.Errors);
    }

    [Fact]
    public async Task The_alert_api_carries_the_facts_beside_the_english_message()
    {
        var (flyingWire, tamper) = await RaiseAlertsAsync();

        var alert = await _hub.GetJsonAsync($"/api/alerts/{flyingWire}");
        var view = alert.GetProperty("alert");
        Assert.Matches(@"^corridor circuit drawing 2\.59 A for \d s$", view.GetProperty("message").GetString());
        var fact = view.GetProperty("fact");
        Assert.Equal("flying_wire_charging.circuit_draw", fact.GetProperty("key").GetString());
        var values = fact.GetProperty("values");
        Assert.Equal("circuit", values.GetProperty("circuit").GetProperty("type").GetString());
        Assert.Equal("corridor", values.GetProperty("circuit").GetProperty("text").GetString());
        Assert.Equal(2.59, values.GetProperty("current").GetProperty("number").GetDouble());
        Assert.Equal("A", values.GetProperty("current").GetProperty("unit").GetString());
        Assert.Equal("duration", values.GetProperty("duration").GetProperty("type").GetString());
        Assert.InRange(values.GetProperty("duration").GetProperty("number").GetDouble(), 1, 9);
        Assert.Equal("s", values.GetProperty("duration").GetProperty("unit").GetString());

        var trail = (await _hub.GetJsonAsync($"/api/alerts/{tamper}")).GetProperty("history").EnumerateArray().ToArray();
        var clear = Assert.Single(trail, s => s.GetProperty("action").GetString() == "cleared");
        Assert.Equal("picture normal for 1 s", clear.GetProperty("note").GetString());
        Assert.Equal("camera_tamper.picture_normal", clear.GetProperty("fact").GetProperty("key").GetString());

        // The stored alert from before keeps its message and has no facts.
        var old = (await _hub.GetJsonAsync($"/api/alerts/{OldAlertId}")).GetProperty("alert");
        Assert.Equal(OldMessage, old.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, old.GetProperty("fact").ValueKind);
    }

    /// <summary>Flying-wire charging (escalated), an elevator fault, smoke at a charger, and a tampered camera that cleared itself.</summary>
    private async Task<(string FlyingWire, string Tamper)> RaiseAlertsAsync()
    {
        var charger = await _hub.ConnectDeviceAsync("chg-1");
        var chargerTopic = $"rp/{TestRegistry.Site}/charger/chg-1/telemetry";
        await HubHost.PublishAsync(charger, chargerTopic, """{"circuit":"corridor","currentA":2.0}""");
        var lift = await _hub.ConnectDeviceAsync("lift-1");
        await HubHost.PublishAsync(lift, $"rp/{TestRegistry.Site}/elevator/lift-1/telemetry", """{"floor":3,"doorOpen":true,"running":false,"occupied":false,"fault":"E21"}""");
        var station = await _hub.ConnectDeviceAsync("chg-2");
        await HubHost.PublishAsync(station, $"rp/{TestRegistry.Site}/charger/chg-2/telemetry", """{"circuit":"station","currentA":0.0,"tempC":85.5,"smoke":true}""");
        var camera = await _hub.ConnectDeviceAsync("cam-1");
        var cameraTopic = $"rp/{TestRegistry.Site}/camera/cam-1/telemetry";
        await HubHost.PublishAsync(camera, cameraTopic, """{"online":true,"tamper":true}""");
        await Task.Delay(1100);
        await HubHost.PublishAsync(charger, chargerTopic, """{"circuit":"corridor","currentA":2.59}""");
        await HubHost.PublishAsync(camera, cameraTopic, """{"online":true,"tamper":false}""");
        await Task.Delay(1100);
        await HubHost.PublishAsync(camera, cameraTopic, """{"online":true,"tamper":false}""");

        var flyingWire = await Eventually.BecomesAsync(() => _hub.GetJsonAsync("/api/alerts?state=open&type=flying_wire_charging"),
            a => a.GetArrayLength() == 1 && a[0].GetProperty("escalations").GetArrayLength() == 1, TimeSpan.FromSeconds(10), "an escalated flying-wire alert");
        var tamper = await Eventually.BecomesAsync(() => _hub.GetJsonAsync("/api/alerts?state=resolved&type=camera_tamper"),
            a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(10), "a cleared camera tamper");
        await Eventually.BecomesAsync(() => _hub.GetJsonAsync("/api/alerts?state=open"), a => a.GetArrayLength() == 4, TimeSpan.FromSeconds(10), "four open alerts");
        return (flyingWire[0].GetProperty("id").GetString()!, tamper[0].GetProperty("id").GetString()!);
    }

    /// <summary>Latin words left once device ids, fault codes, units and people's user names are taken out.</summary>
    private static void AssertNoEnglish(string text, string where)
    {
        var rest = text;
        foreach (var allowed in TestRegistry.Devices.Select(d => d.Id).Concat(["E21", "lx", "op"]))
        {
            rest = rest.Replace(allowed, " ", StringComparison.Ordinal);
        }

        var words = LatinWord().Matches(rest).Select(m => m.Value).Distinct().ToArray();
        Assert.True(words.Length == 0, $"English in {where}: {string.Join(", ", words)}\n{text}");
    }

    /// <summary>The whole page in English: no Chinese but the registry's names and the staff member's, no date in US order.</summary>
    private async Task AssertEnglishPageAsync(IPage page, string where)
    {
        var text = await page.Locator("body").InnerTextAsync();
        var sites = await _hub.GetJsonAsync("/api/sites");
        var devices = await _hub.GetJsonAsync("/api/devices");
        var names = sites.EnumerateArray().SelectMany(s => s.GetProperty("zones").EnumerateArray().Select(z => z.GetProperty("name").GetString()!).Append(s.GetProperty("name").GetString()!))
            .Concat(devices.EnumerateArray().Select(d => d.GetProperty("location").GetString() ?? string.Empty))
            .Append("值班员小王")
            .Append("中文")
            .Where(n => n.Length > 0)
            .OrderByDescending(n => n.Length);
        var rest = names.Aggregate(text, (current, name) => current.Replace(name, " ", StringComparison.Ordinal));
        var chinese = Regex.Matches(rest, @"\S*[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+\S*").Select(m => m.Value).Distinct().ToArray();
        Assert.True(chinese.Length == 0, $"Chinese on the English page ({where}): {string.Join(", ", chinese)}");
        var usDates = UsDate().Matches(text).Select(m => m.Value).ToArray();
        Assert.True(usDates.Length == 0, $"dates in US order on the English page ({where}): {string.Join(", ", usDates)}");
    }

    private static async Task SeedOldAlertAsync(string path)
    {
        await using var db = new SqliteConnection($"Data Source={path};Pooling=False");
        await db.OpenAsync();
        var migrations = (string[])typeof(HubDatabase).GetField("Migrations", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        await using var schema = db.CreateCommand();
        schema.CommandText = string.Join('\n', migrations.Take(5)) + """
            PRAGMA user_version = 5;
            INSERT INTO alerts (id, site, device, type, zone, kind, severity, state, message, raised_at, active_since, last_seen_at, count, seq)
            VALUES ($id, $site, 'light-2', 'broken_light', 'grid-2', 'light', 'minor', 'active', $message, $at, $at, $at, 3, 0);
            INSERT INTO alert_transitions (alert_id, n, at, action, by, note, severity) VALUES ($id, 0, $at, 'raised', 'system', $message, 'minor');
            """;
        schema.Parameters.AddWithValue("$id", OldAlertId);
        schema.Parameters.AddWithValue("$site", TestRegistry.Site);
        schema.Parameters.AddWithValue("$message", OldMessage);
        schema.Parameters.AddWithValue("$at", OldRaisedAt.ToUnixTimeMilliseconds());
        await schema.ExecuteNonQueryAsync();
    }

    private async Task<IPage> LoggedInPageAsync()
    {
        var page = await _pages.NewPageAsync();
        await page.GotoAsync(new Uri(_hub.HttpUrl, "/login.html").ToString());
        await page.FillAsync("#username", "op");
        await page.FillAsync("#password", "op-password");
        await page.ClickAsync("#login-submit");
        await Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-state", "live");
        return page;
    }

    [GeneratedRegex("[A-Za-z]{2,}")]
    private static partial Regex LatinWord();

    // 12/02/2026 or 12/2/26: month first, as en-US writes it (day first is no better: neither is unambiguous).
    [GeneratedRegex(@"\b\d{1,2}/\d{1,2}/\d{2,4}\b")]
    private static partial Regex UsDate();
}
