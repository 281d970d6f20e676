using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using RedProperty.Iot.Hub.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RedProperty.Iot.Hub.Tests.Browser;

/// <summary>
/// The report page on 18 November 2026 at 10:00 (Shanghai), the hub and the browser on the same virtual
/// clock, for a hub whose records begin that morning: it opens on November so far, with the deadlines
/// still running shown as pending, and October says it has no records.
/// </summary>
[Collection("browser")]
public sealed class OpenMonthReportPageBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private static readonly TimeSpan Shanghai = TimeSpan.FromHours(8);
    private static readonly DateTimeOffset Now = new(2026, 11, 18, 10, 0, 0, Shanghai);

    private readonly WatchedPages _pages = new(browser);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 18, 9, 40, 0, Shanghai));
    private string _workDir = null!;
    private HubHost _hub = null!;

    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(15_000);
        _workDir = Directory.CreateTempSubdirectory("rp-open-report-").FullName;
        _hub = await HubHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Hub:Registry"] = TestRegistry.Write(_workDir),
                ["Influx:Version"] = "none",
                ["Alerts:Thresholds:FlyingWireSustainS"] = "1",
                ["Alerts:Thresholds:OfflineIntervals"] = "1000000",
            },
            configure: b => b.Services.AddSingleton<TimeProvider>(_clock));
        var created = await _hub.Http.PostAsJsonAsync("/api/staff", new { username = "boss", displayName = "主管老李", password = "boss-password", role = "supervisor", sites = new[] { "*" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        // 09:40 a passenger presses the car's alarm, answered at 09:44; 09:50 a corridor charger; 09:52 a car fault.
        var lift = await _hub.ConnectDeviceAsync("lift-1");
        await HubHost.PublishAsync(lift, $"rp/{TestRegistry.Site}/elevator/lift-1/telemetry", """{"floor":7,"doorOpen":false,"running":false,"occupied":true}""");
        await HubHost.PublishAsync(lift, $"rp/{TestRegistry.Site}/elevator/lift-1/event", """{"type":"alarm_button"}""");
        var entrapment = await Eventually.BecomesAsync(() => _hub.GetJsonAsync("/api/alerts?type=elevator_entrapment"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(5), "the entrapment");
        _clock.SetUtcNow(new DateTimeOffset(2026, 11, 18, 9, 44, 0, Shanghai));
        (await _hub.Http.PostAsJsonAsync($"/api/alerts/{entrapment[0].GetProperty("id").GetString()}/ack", new { })).EnsureSuccessStatusCode();

        _clock.SetUtcNow(new DateTimeOffset(2026, 11, 18, 9, 50, 0, Shanghai));
        var charger = await _hub.ConnectDeviceAsync("chg-1");
        await HubHost.PublishAsync(charger, $"rp/{TestRegistry.Site}/charger/chg-1/telemetry", """{"circuit":"corridor","currentA":2.0}""");
        _clock.Advance(TimeSpan.FromSeconds(2));
        await HubHost.PublishAsync(charger, $"rp/{TestRegistry.Site}/charger/chg-1/telemetry", """{"circuit":"corridor","currentA":2.0}""");
        await Eventually.BecomesAsync(() => _hub.GetJsonAsync("/api/alerts?type=flying_wire_charging"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(5), "the flying wire");
        _clock.SetUtcNow(new DateTimeOffset(2026, 11, 18, 9, 52, 0, Shanghai));
        await HubHost.PublishAsync(lift, $"rp/{TestRegistry.Site}/elevator/lift-1/telemetry", """{"fault":"E42"}""");
        await Eventually.BecomesAsync(() => _hub.GetJsonAsync("/api/alerts?type=elevator_fault"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(5), "the fault");
        await lift.DisconnectAsync();
        await charger.DisconnectAsync();
        _clock.SetUtcNow(Now);
    }

    public async Task DisposeAsync()
    {
        await _pages.DisposeAsync();
        await _hub.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task The_page_opens_on_the_month_so_far_with_pending_figures_and_a_month_before_the_records_says_no_records()
    {
        var page = await _pages.NewPageAsync(1440, 1000);
        await page.Clock.SetFixedTimeAsync(Now.UtcDateTime);
        await page.GotoAsync(new Uri(_hub.HttpUrl, "/login.html?next=/report.html").ToString());
        await page.FillAsync("#username", "boss");
        await page.FillAsync("#password", "boss-password");
        await page.ClickAsync("#login-submit");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "ready");

        // October (the last full month) ended before the hub's first record: the page opens on November so far.
        await Expect(page.Locator("#r-month")).ToHaveValueAsync("2026-11");
        await Expect(page.Locator("#r-snapshot")).ToContainTextAsync("截至 2026年11月18日 10:00");
        // The other compound had nothing so far and ranks first.
        await Expect(page.Locator(".kpi[data-kpi='score'] .kpi-sub")).ToContainTextAsync("暂列第 2 / 2 名");
        await Expect(page.Locator(".kpi[data-kpi='responseSla'] .kpi-value")).ToHaveTextAsync("100%");
        await Expect(page.Locator(".kpi[data-kpi='responseSla'] .kpi-sub")).ToHaveTextAsync("2 项未到期");
        await Expect(page.Locator(".kpi[data-kpi='onSiteSla'] .kpi-value")).ToHaveTextAsync("—");
        await Expect(page.Locator(".kpi[data-kpi='onSiteSla'] .kpi-sub")).ToHaveTextAsync("1 项未到期");
        await Expect(page.Locator(".kpi[data-kpi='raised'] .kpi-sub")).ToContainTextAsync("当前未处理 3");
        await Expect(page.Locator(".report-table.elevators tbody tr").First).ToContainTextAsync("20");
        await TestArtifacts.ScreenshotAsync(page, "report-open-month");

        await page.ClickAsync("#lang");
        await Expect(page.Locator("#r-snapshot")).ToContainTextAsync("so far");
        await Expect(page.Locator(".kpi[data-kpi='responseSla'] .kpi-sub")).ToHaveTextAsync("2 pending");
        await page.ClickAsync("#lang");

        // October: no score, no figures, and why.
        await page.FillAsync("#r-month", "2026-10");
        await page.DispatchEventAsync("#r-month", "change");
        await Expect(page.Locator("#r-no-records")).ToBeVisibleAsync();
        await Expect(page.Locator("#r-no-records")).ToContainTextAsync("无记录");
        await Expect(page.Locator("#r-kpis")).ToBeHiddenAsync();
        await TestArtifacts.ScreenshotAsync(page, "report-no-records");
        Assert.Empty(_pages.Errors);
    }
}
