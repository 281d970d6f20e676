using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using RedProperty.Iot.Hub.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RedProperty.Iot.Hub.Tests.Browser;

/// <summary>The desk screen in headless Chromium against the real hub, with devices publishing over MQTT.</summary>
[Collection("browser")]
public sealed class DeskScreenBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private const string Hostile = "<img src=x onerror=alert(1)>";

    private readonly WatchedPages _pages = new(browser);

    private string _workDir = null!;
    private HubHost _hub = null!;

    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(10_000);
        _workDir = Directory.CreateTempSubdirectory("rp-desk-").FullName;
        _hub = await HubHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir, locations: new Dictionary<string, string> { ["cam-1"] = Hostile }),
            ["Influx:Version"] = "none",
            ["Alerts:Thresholds:FlyingWireSustainS"] = "1",
        });
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
    public async Task Staff_log_in_and_out_and_a_wrong_password_is_refused()
    {
        var page = await _pages.NewPageAsync();
        await page.GotoAsync(_hub.HttpUrl.ToString());
        Assert.EndsWith("/login.html", new Uri(page.Url).AbsolutePath);

        await page.FillAsync("#username", "op");
        await page.FillAsync("#password", "wrong-password");
        await page.ClickAsync("#login-submit");
        await Expect(page.Locator("#login-error")).ToHaveTextAsync("用户名或密码错误。");
        await TestArtifacts.ScreenshotAsync(page, "desk-login-refused");

        await page.FillAsync("#password", "op-password");
        await page.ClickAsync("#login-submit");
        await Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-state", "live");
        await Expect(page.Locator("#user")).ToContainTextAsync("值班员小王");
        await Expect(page.Locator("#board-empty")).ToBeVisibleAsync();
        await Expect(page.Locator(".zone-card")).ToHaveCountAsync(3);
        await TestArtifacts.ScreenshotAsync(page, "desk-logged-in");

        await page.ClickAsync("#logout");
        await Expect(page.Locator("#notice")).ToHaveTextAsync("已退出登录。");
        await page.GotoAsync(_hub.HttpUrl.ToString());
        Assert.EndsWith("/login.html", new Uri(page.Url).AbsolutePath);
        Assert.Empty(_pages.Errors);
    }

    [Fact]
    public async Task A_flying_wire_pattern_shows_on_the_board_within_two_seconds()
    {
        var page = await LoggedInPageAsync();
        var charger = await _hub.ConnectDeviceAsync("chg-1");
        var topic = $"rp/{TestRegistry.Site}/charger/chg-1/telemetry";
        await HubHost.PublishAsync(charger, topic, """{"circuit":"corridor","currentA":2.0}""");
        await Task.Delay(1100);
        var stopwatch = Stopwatch.StartNew();
        await HubHost.PublishAsync(charger, topic, """{"circuit":"corridor","currentA":2.1}""");

        var row = page.Locator(".alert[data-type='flying_wire_charging']");
        await Expect(row).ToBeVisibleAsync(new() { Timeout = 2000 });
        var shownAfter = stopwatch.Elapsed;
        Assert.True(shownAfter < TimeSpan.FromSeconds(2), $"shown after {shownAfter.TotalMilliseconds:0} ms");

        await Expect(row.Locator(".alert-type")).ToHaveTextAsync("飞线充电");
        await Expect(row.Locator(".where-site")).ToHaveTextAsync("测试小区");
        await Expect(row.Locator(".where-zone")).ToHaveTextAsync("第一网格");
        await Expect(row.Locator(".where-location")).ToHaveTextAsync(TestRegistry.LocationOf("chg-1"));
        await Expect(row.Locator(".sla")).ToHaveAttributeAsync("data-level", "ok");
        await Expect(row.Locator(".sla")).ToContainTextAsync("响应剩余 14分");
        await Expect(page.Locator("#summary .sev-major .tile-value")).ToHaveTextAsync("1");

        // The device panel draws the charger's last minutes from the hub's short history.
        await page.ReloadAsync();
        await Expect(page.Locator(".trend[data-device='chg-1'] .spark-line")).ToHaveCountAsync(1);
        await Expect(page.Locator(".trend[data-device='chg-1'] .trend-last")).ToHaveTextAsync("2.10 A");
        await TestArtifacts.ScreenshotAsync(page, "desk-flying-wire");
        Assert.Empty(_pages.Errors);
    }

    [Fact]
    public async Task Acknowledging_in_one_browser_updates_the_other()
    {
        var first = await LoggedInPageAsync();
        var second = await LoggedInPageAsync();
        await EntrapmentAsync();

        var rowInFirst = first.Locator(".alert[data-type='elevator_entrapment']");
        var rowInSecond = second.Locator(".alert[data-type='elevator_entrapment']");
        await Expect(rowInFirst).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("flash"));
        await Expect(rowInSecond).ToHaveAttributeAsync("data-state", "active");
        await Expect(first.Locator("body")).ToHaveAttributeAsync("data-chime", "on");
        // The elevator panel follows the car live: the car's own card, in the site's elevators card.
        await Expect(second.Locator(".elevator-cars .car[data-device='lift-1'] .car-floor")).ToHaveTextAsync("7 层");
        await Expect(second.Locator(".elevator-cars .car[data-device='lift-1'] .flag.occupied")).ToHaveTextAsync("有人");
        await TestArtifacts.ScreenshotAsync(first, "desk-critical-flashing");

        await rowInFirst.Locator(".act-ack").ClickAsync();

        await Expect(rowInSecond).ToHaveAttributeAsync("data-state", "acknowledged");
        await Expect(rowInSecond).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("flash"));
        await Expect(rowInSecond.Locator(".badge.state")).ToHaveTextAsync("已响应");
        // Critical: once acknowledged, the countdown is to someone being on site (30 minutes).
        await Expect(rowInSecond.Locator(".sla")).ToContainTextAsync("到场剩余 29分");
        await Expect(second.Locator("body")).ToHaveAttributeAsync("data-chime", "off");

        await rowInSecond.ClickAsync();
        await Expect(second.Locator("#drawer .trail li[data-action='acknowledged'] .trail-by")).ToHaveTextAsync("op");
        await TestArtifacts.ScreenshotAsync(second, "desk-acknowledged-elsewhere");
        Assert.Empty(_pages.Errors);
    }

    [Fact]
    public async Task Resolving_needs_a_note_which_lands_in_the_audit_trail()
    {
        var page = await LoggedInPageAsync();
        await EntrapmentAsync();
        var row = page.Locator(".alert[data-type='elevator_entrapment']");
        await row.Locator(".act-resolve").ClickAsync();

        var submit = page.Locator("#resolve-submit");
        await Expect(page.Locator("#resolve-dialog")).ToBeVisibleAsync();
        await Expect(submit).ToBeDisabledAsync();
        await page.FillAsync("#resolve-note", "   ");
        await Expect(submit).ToBeDisabledAsync();
        await TestArtifacts.ScreenshotAsync(page, "desk-resolve-needs-note");

        await page.FillAsync("#resolve-note", "已到场，电梯门已打开，住户安全");
        await Expect(submit).ToBeEnabledAsync();
        await submit.ClickAsync();

        await Expect(page.Locator("#resolve-dialog")).ToBeHiddenAsync();
        await Expect(row).ToHaveCountAsync(0);
        var open = await _hub.GetJsonAsync("/api/alerts?state=open");
        Assert.Equal(0, open.GetArrayLength());

        // The resolved view (a filter kept in the URL) shows it with who resolved it and the note.
        await page.SelectOptionAsync("#f-state", "resolved");
        Assert.Contains("state=resolved", page.Url);
        await page.ReloadAsync();
        await Expect(page.Locator("#f-state")).ToHaveValueAsync("resolved");
        await Expect(row.Locator(".sla")).ToHaveTextAsync("op 已处理");
        await row.ClickAsync();
        await Expect(page.Locator("#drawer .trail li[data-action='resolved'] .trail-note")).ToHaveTextAsync("已到场，电梯门已打开，住户安全");
        await TestArtifacts.ScreenshotAsync(page, "desk-resolved-with-note");
        Assert.Empty(_pages.Errors);
    }

    [Fact]
    public async Task The_language_switches_to_English_and_back_and_is_remembered()
    {
        var page = await LoggedInPageAsync();
        await EntrapmentAsync();
        var row = page.Locator(".alert[data-type='elevator_entrapment']");
        await Expect(row.Locator(".alert-type")).ToHaveTextAsync("电梯困人");
        await Expect(page.Locator("#board-title")).ToHaveTextAsync("实时告警");

        await page.ClickAsync("#lang");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Expect(page.Locator("#board-title")).ToHaveTextAsync("Live alerts");
        await Expect(row.Locator(".alert-type")).ToHaveTextAsync("Elevator entrapment");
        await Expect(row.Locator(".badge.sev")).ToHaveTextAsync("Critical");
        await Expect(row.Locator(".act-ack")).ToHaveTextAsync("Respond");
        await Expect(page.Locator("#conn-text")).ToHaveTextAsync("Live");
        await Expect(page.Locator("#f-kind option[value='charger']")).ToHaveTextAsync("Charging monitor");

        // No Chinese left in what the page itself says (names from the registry and of people are their own).
        var texts = await page.Locator("[data-i18n], #conn-text, #mute, .user-role, #f-kind option, #f-severity option, #f-state option, .tile-label, .alert-title, .alert-meta, .sla, .row-actions, .kind-count span, .car-flags").AllInnerTextsAsync();
        Assert.True(texts.Count > 40, $"only {texts.Count} texts checked");
        // ("中文" is the switch back, in its own language.)
        Assert.DoesNotContain(texts.Where(text => text != "中文"), text => text.Any(c => c is >= '\u4e00' and <= '\u9fff'));
        await TestArtifacts.ScreenshotAsync(page, "desk-english");

        await page.ReloadAsync();
        await Expect(page.Locator("#board-title")).ToHaveTextAsync("Live alerts");
        await page.ClickAsync("#lang");
        await Expect(page.Locator("#board-title")).ToHaveTextAsync("实时告警");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "zh-CN");
        Assert.Empty(_pages.Errors);
    }

    [Fact]
    public async Task A_location_holding_markup_is_shown_as_text()
    {
        var page = await LoggedInPageAsync();
        var dialogs = 0;
        page.Dialog += (_, dialog) =>
        {
            dialogs++;
            _ = dialog.DismissAsync();
        };

        var camera = await _hub.ConnectDeviceAsync("cam-1");
        await HubHost.PublishAsync(camera, $"rp/{TestRegistry.Site}/camera/cam-1/telemetry", """{"online":true,"tamper":true}""");

        var row = page.Locator(".alert[data-type='camera_tamper']");
        await Expect(row.Locator(".where-location")).ToHaveTextAsync(Hostile);
        await row.ClickAsync();
        await Expect(page.Locator("#drawer .facts")).ToContainTextAsync(Hostile);
        await page.FillAsync("#f-q", "onerror");
        await Expect(row).ToHaveCountAsync(1);
        Assert.Contains("q=onerror", page.Url);

        Assert.Equal(0, await page.Locator("img[src='x']").CountAsync());
        Assert.Equal(0, dialogs);
        await TestArtifacts.ScreenshotAsync(page, "desk-markup-as-text");
        Assert.Empty(_pages.Errors);
    }

    [Fact]
    public async Task The_board_is_exactly_right_after_the_hubs_websocket_is_cut()
    {
        await using var proxy = TcpProxy.Start(_hub.HttpUrl.Port);
        var page = await LoggedInPageAsync(new Uri(proxy.Url));
        var entrapment = await EntrapmentAsync();
        var entrapmentRow = page.Locator($".alert[data-alert-id='{entrapment}']");
        await Expect(entrapmentRow).ToHaveAttributeAsync("data-state", "active");

        proxy.Refusing = true;
        proxy.CutAll();
        await Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-state", "reconnecting");

        // While the screen is cut off: one alert is acknowledged elsewhere, a new one is raised.
        using var ack = await _hub.Http.PostAsJsonAsync($"/api/alerts/{entrapment}/ack", new { note = "from the phone" });
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        var camera = await _hub.ConnectDeviceAsync("cam-1");
        await HubHost.PublishAsync(camera, $"rp/{TestRegistry.Site}/camera/cam-1/telemetry", """{"online":true,"tamper":true}""");
        await Eventually.BecomesAsync(async () => (await _hub.GetJsonAsync("/api/alerts?state=open")).GetArrayLength(), n => n == 2, TimeSpan.FromSeconds(5), "open alerts");
        await TestArtifacts.ScreenshotAsync(page, "desk-reconnecting");
        Assert.Equal(1, await page.Locator(".alert").CountAsync());

        proxy.Refusing = false;
        await Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 20_000 });
        await Expect(entrapmentRow).ToHaveAttributeAsync("data-state", "acknowledged");
        await Expect(page.Locator(".alert[data-type='camera_tamper']")).ToHaveCountAsync(1);

        var open = await _hub.GetJsonAsync("/api/alerts?state=open");
        var expected = open.EnumerateArray().Select(a => (a.GetProperty("id").GetString()!, a.GetProperty("state").GetString()!)).Order().ToArray();
        var shown = new List<(string, string)>();
        foreach (var row in await page.Locator(".alert").AllAsync())
        {
            shown.Add(((await row.GetAttributeAsync("data-alert-id"))!, (await row.GetAttributeAsync("data-state"))!));
        }

        Assert.Equal(expected, shown.Order().ToArray());
        await TestArtifacts.ScreenshotAsync(page, "desk-reconnected");
    }

    [Fact]
    public async Task The_board_is_usable_on_a_768_wide_tablet()
    {
        var page = await LoggedInPageAsync(width: 768, height: 1024);
        await EntrapmentAsync();
        var row = page.Locator(".alert[data-type='elevator_entrapment']");
        await Expect(row.Locator(".act-ack")).ToBeVisibleAsync();
        var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= 768, $"the page is {scrollWidth} px wide on a 768 px screen");
        await row.Locator(".act-ack").ClickAsync();
        await Expect(row).ToHaveAttributeAsync("data-state", "acknowledged");
        await TestArtifacts.ScreenshotAsync(page, "desk-tablet");
        Assert.Empty(_pages.Errors);
    }

    [Fact]
    public async Task The_resolve_dialog_shows_the_live_reading_and_warns_and_a_reopened_alert_says_who_resolved_it()
    {
        var page = await LoggedInPageAsync();
        var charger = await _hub.ConnectDeviceAsync("chg-1");
        var topic = $"rp/{TestRegistry.Site}/charger/chg-1/telemetry";
        await HubHost.PublishAsync(charger, topic, """{"circuit":"corridor","currentA":2.0}""");
        await Task.Delay(1100);
        await HubHost.PublishAsync(charger, topic, """{"circuit":"corridor","currentA":2.59,"tempC":31.5}""");
        var row = page.Locator(".alert[data-type='flying_wire_charging']");
        await Expect(row).ToHaveAttributeAsync("data-state", "active");
        await Expect(row.Locator(".badge.state")).ToHaveTextAsync("待响应");

        await row.Locator(".act-resolve").ClickAsync();
        await Expect(page.Locator("#resolve-reading")).ToContainTextAsync("电流 2.59 A");
        await Expect(page.Locator("#resolve-reading")).ToContainTextAsync("温度 31.5 °C");
        await Expect(page.Locator("#resolve-reading")).ToContainTextAsync("回路 楼道");
        await Expect(page.Locator("#resolve-warning")).ToBeVisibleAsync();
        await Expect(page.Locator("#resolve-warning")).ToContainTextAsync("仍然存在");
        await TestArtifacts.ScreenshotAsync(page, "desk-resolve-live-reading");

        await page.FillAsync("#resolve-note", "已提醒住户拔掉飞线");
        await page.Locator("#resolve-submit").ClickAsync();
        await Expect(page.Locator("#resolve-dialog")).ToBeHiddenAsync();
        await Expect(row).ToHaveCountAsync(0);

        // The charger still draws: the alert comes back, and the board says after whose resolve.
        await HubHost.PublishAsync(charger, topic, """{"currentA":2.61}""");
        await Expect(row).ToHaveAttributeAsync("data-state", "active");
        await Expect(row.Locator(".badge.state")).ToHaveTextAsync("op 处理后再次告警");
        await TestArtifacts.ScreenshotAsync(page, "desk-reopened-after-resolve");
        await page.ClickAsync("#lang");
        await Expect(row.Locator(".badge.state")).ToHaveTextAsync("Reopened after resolve by op");
        await page.ClickAsync("#lang");
        Assert.Empty(_pages.Errors);
    }

    [Fact]
    public async Task An_alarm_whose_condition_clears_stays_on_the_board_awaiting_staff()
    {
        var page = await LoggedInPageAsync();
        await EntrapmentAsync();
        var row = page.Locator(".alert[data-type='elevator_entrapment']");
        await Expect(row.Locator(".badge.state")).ToHaveTextAsync("待响应");

        var lift = await _hub.ConnectDeviceAsync("lift-1");
        await HubHost.PublishAsync(lift, $"rp/{TestRegistry.Site}/elevator/lift-1/telemetry", """{"floor":6,"running":true}""");
        await Expect(row.Locator(".badge.state")).ToHaveTextAsync("现场已恢复，待人员确认");
        await Expect(row).ToHaveAttributeAsync("data-state", "active");
        await Expect(row).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("flash"));
        await TestArtifacts.ScreenshotAsync(page, "desk-condition-cleared-awaiting-staff");

        await row.Locator(".act-resolve").ClickAsync();
        await Expect(page.Locator("#resolve-warning")).ToBeHiddenAsync();
        await Expect(page.Locator("#resolve-reading")).ToContainTextAsync("运行 是");
        Assert.Empty(_pages.Errors);
    }

    /// <summary>An occupied car's alarm button: a critical entrapment alert. Returns its id.</summary>
    private async Task<string> EntrapmentAsync()
    {
        var lift = await _hub.ConnectDeviceAsync("lift-1");
        await HubHost.PublishAsync(lift, $"rp/{TestRegistry.Site}/elevator/lift-1/telemetry", """{"floor":7,"doorOpen":false,"running":false,"occupied":true}""");
        await HubHost.PublishAsync(lift, $"rp/{TestRegistry.Site}/elevator/lift-1/event", """{"type":"alarm_button"}""");
        var alerts = await Eventually.BecomesAsync(() => _hub.GetJsonAsync("/api/alerts?state=open&type=elevator_entrapment"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(5), "entrapment alert");
        return alerts[0].GetProperty("id").GetString()!;
    }

    private async Task<IPage> LoggedInPageAsync(Uri? via = null, int width = 1920, int height = 1080)
    {
        var page = await _pages.NewPageAsync(width, height);
        await page.GotoAsync(new Uri(via ?? _hub.HttpUrl, "/login.html").ToString());
        await page.FillAsync("#username", "op");
        await page.FillAsync("#password", "op-password");
        await page.ClickAsync("#login-submit");
        await Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-state", "live");
        return page;
    }
}
