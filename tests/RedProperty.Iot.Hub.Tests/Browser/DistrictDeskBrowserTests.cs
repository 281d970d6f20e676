using MQTTnet;
using RedProperty.Iot.Hub.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RedProperty.Iot.Hub.Tests.Browser;

/// <summary>The desk screen at a district centre: an edge hub that has not reported is flagged, and the flag goes once it reports.</summary>
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
    public async Task An_edge_that_has_not_reported_is_flagged_on_the_centres_desk_until_it_does()
    {
        await using var centre = await HubHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(Path.Combine(_workDir, "centre")),
            ["Hub:Role"] = "centre",
            ["Influx:Version"] = "none",
            ["Mqtt:Mode"] = "external",
            ["Mqtt:ExternalUrl"] = _district.Url.ToString(),
            ["Mqtt:ClientId"] = "centre-devices",
            ["Centre:ClientId"] = "centre-uplinks",
            ["Centre:Edges:edge-a:0"] = TestRegistry.Site,
        });
        var page = await _pages.NewPageAsync(1440, 900);
        await page.GotoAsync(new Uri(centre.HttpUrl, "/").ToString());
        await page.FillAsync("#username", HubHost.AdminUser);
        await page.FillAsync("#password", HubHost.AdminPassword);
        await page.ClickAsync("#login-submit");
        await Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-state", "live");

        var flag = page.Locator("#edges-silent .edge[data-edge='edge-a']");
        await Expect(flag).ToHaveTextAsync("边缘网关 edge-a（测试小区）尚未上报");

        // The edge box comes up and a device of the compound logs in: its status goes up, the flag goes.
        await using var edge = await HubHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(Path.Combine(_workDir, "edge")),
            ["Influx:Version"] = "none",
            ["Uplink:Url"] = _district.Url.ToString(),
            ["Uplink:ClientId"] = "edge-a",
        });
        var charger = await edge.ConnectDeviceAsync("chg-1");
        await HubHost.PublishAsync(charger, $"rp/{TestRegistry.Site}/charger/chg-1/telemetry", """{"circuit":"corridor","currentA":0.0}""");
        await Expect(page.Locator("#edges-silent")).ToBeHiddenAsync();
        Assert.Empty(_pages.Errors);
        await charger.DisconnectAsync();
    }
}
