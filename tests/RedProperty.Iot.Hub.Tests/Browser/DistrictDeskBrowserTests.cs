using MQTTnet;
using RedProperty.Iot.Hub.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RedProperty.Iot.Hub.Tests.Browser;

/// <summary>
/// The desk screen at a district centre: an edge hub that has not reported is flagged, and the flag goes once it
/// reports; an action on an edge's alert is carried out by the edge, or shown pending while the edge is down.
/// </summary>
[Collection("browser")]
public sealed class DistrictDeskBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly WatchedPages _pages = new(browser);
    private string _workDir = null!;
    private MosquittoServer _district = null!;

    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(30_000);
        _workDir = Directory.CreateTempSubdirectory("rp-district-desk-").FullName;
        Directory.CreateDirectory(Path.Combine(_workDir, "edge"));
        Directory.CreateDirectory(Path.Combine(_workDir, "centre"));
        _district = await MosquittoServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _pages.DisposeAsync();
        await _district.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task An_edge_that_has_not_reported_is_flagged_and_actions_on_its_alerts_wait_while_it_is_down()
    {
        await using var centre = await HubHost.StartAsync(DistrictSettings.Centre(TestRegistry.Write(Path.Combine(_workDir, "centre")), _district, ("edge-a", TestRegistry.Site)));
        var page = await _pages.NewPageAsync(1440, 900);
        await page.GotoAsync(new Uri(centre.HttpUrl, "/").ToString());
        await page.FillAsync("#username", HubHost.AdminUser);
        await page.FillAsync("#password", HubHost.AdminPassword);
        await page.ClickAsync("#login-submit");
        await Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-state", "live");

        var flag = page.Locator("#edges-silent .edge[data-edge='edge-a']");
        await Expect(flag).ToHaveTextAsync("边缘网关 edge-a（测试小区）尚未上报");

        // The edge box comes up (taking the centre's commands) and a device of the compound logs in: its status goes up, the flag goes.
        var edgeSettings = new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(Path.Combine(_workDir, "edge")),
            ["Influx:Version"] = "none",
            ["Alerts:Thresholds:FlyingWireSustainS"] = "1",
            ["Uplink:Url"] = _district.Url.ToString(),
            ["Uplink:ClientId"] = "edge-a",
            ["Uplink:CentreKeyFile"] = Path.Combine(centre.DataDir, Uplink.CentreCommandKey.PublicFileName),
        };
        var edgeDataDir = Directory.CreateDirectory(Path.Combine(_workDir, "edge-data")).FullName;
        var edge = await HubHost.StartAsync(edgeSettings, edgeDataDir);
        var charger = await edge.ConnectDeviceAsync("chg-1");
        var topic = $"rp/{TestRegistry.Site}/charger/chg-1/telemetry";
        await HubHost.PublishAsync(charger, topic, """{"circuit":"corridor","currentA":0.0}""");
        await Expect(page.Locator("#edges-silent")).ToBeHiddenAsync();
        // Heard now: a grey line says when, and how many of its changes have not arrived.
        await Expect(page.Locator("#edges .edge[data-edge='edge-a']")).ToContainTextAsync("edge-a（测试小区）");
        await Expect(page.Locator("#edges .edge[data-edge='edge-a']")).ToContainTextAsync("待传 0 条");

        // A flying wire at the edge is on the centre's board; acknowledged there, the edge carries it out at once.
        await HubHost.PublishAsync(charger, topic, """{"circuit":"corridor","currentA":2.0}""");
        await Task.Delay(1100);
        await HubHost.PublishAsync(charger, topic, """{"circuit":"corridor","currentA":2.1}""");
        var card = page.Locator("article.alert[data-type='flying_wire_charging']");
        await Expect(card).ToHaveAttributeAsync("data-state", "active");
        await card.Locator(".act-ack").ClickAsync();
        await Expect(card).ToHaveAttributeAsync("data-state", "acknowledged");
        var id = await card.GetAttributeAsync("data-alert-id");
        Assert.Equal(HubHost.AdminUser, (await edge.GetJsonAsync($"/api/alerts/{id}")).GetProperty("alert").GetProperty("acknowledgedBy").GetString());

        // The edge goes down: a resolve at the centre waits, shown pending under the alert, until the edge is back.
        await charger.DisconnectAsync();
        await edge.DisposeAsync();
        await card.Locator(".act-resolve").ClickAsync();
        await page.FillAsync("#resolve-note", "已拔除飞线");
        await page.ClickAsync("#resolve-submit");
        var pending = card.Locator(".edge-command[data-state='pending']");
        await Expect(pending).ToContainTextAsync("处理完成（admin，");
        await Expect(pending).ToContainTextAsync("已发往边缘网关，等待执行");
        await Expect(card).ToHaveAttributeAsync("data-state", "acknowledged");

        await using var back = await HubHost.StartAsync(edgeSettings, edgeDataDir);
        await Eventually.BecomesAsync(async () => (await back.GetJsonAsync($"/api/alerts/{id}")).GetProperty("alert").GetProperty("state").GetString(), s => s == "resolved",
            TimeSpan.FromSeconds(40), "the centre's resolve carried out at the edge once it is back");
        await Expect(page.Locator($"article.alert[data-alert-id='{id}']")).ToHaveCountAsync(0);
        Assert.Empty(_pages.Errors);
    }
}
