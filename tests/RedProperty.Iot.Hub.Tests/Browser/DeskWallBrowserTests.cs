using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using MQTTnet.Protocol;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.FirmwareSim.Commands;
using RedProperty.Iot.FirmwareSim.Devices;
using RedProperty.Iot.FirmwareSim.Scenarios;
using RedProperty.Iot.Hub.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RedProperty.Iot.Hub.Tests.Browser;

/// <summary>
/// The desk as a wall screen in the monitoring room (1920×1080, read from 4 m, nobody scrolls it): the demo
/// compound of 8 buildings, a gate and a car park, with seven alerts and four devices in trouble.
/// </summary>
[Collection("browser")]
public sealed class DeskWallBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private const string Site = "demo";

    private const string Scenario = """
        seed: 1
        start: 2026-12-02T10:00:00+08:00
        duration: 1h
        sites:
          - id: demo
            name: 演示小区
            timeZone: Asia/Shanghai
            grids: 2
            buildings: 8
            building: { stairwellLights: 1, corridorChargers: 1, elevators: 1, carCameras: 1 }
            zones:
              - { id: gate, name: 正门, type: gate, devices: { camera: 1 } }
              - { id: car-park, name: 地下车库, type: car-park, devices: { camera: 1, charger: 4 } }
        """;

    // Never heard from, reported offline (twice), a car with a fault, a camera tampered with.
    private const string Silent = "b07-light";
    private static readonly string[] Offline = ["b05-chg", "gate-cam-1"];
    private const string FaultyCar = "b02-lift-a";
    private const string TamperedCamera = "b04-cam-a";

    private readonly WatchedPages _pages = new(browser);
    private string _workDir = null!;
    private HubHost _hub = null!;
    private IReadOnlyList<SimulatedDevice> _fleet = [];
    private readonly List<string> _errors = [];

    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(10_000);
        _workDir = Directory.CreateTempSubdirectory("rp-desk-wall-").FullName;
        var scenarioPath = Path.Combine(_workDir, "compound.yaml");
        await File.WriteAllTextAsync(scenarioPath, Scenario);
        var registryPath = Path.Combine(_workDir, "registry.json");
        RegistryFile.Write(ScenarioRegistry.Build(ScenarioReader.Load(scenarioPath)), registryPath);
        _hub = await HubHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hub:Registry"] = registryPath,
            ["Influx:Version"] = "none",
            ["Alerts:Thresholds:FlyingWireSustainS"] = "1",
        });
        var created = await _hub.Http.PostAsJsonAsync("/api/staff", new { username = "op", displayName = "值班员小王", password = "op-password", role = "operator", sites = new[] { Site } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var identities = RegistryFile.ReadIdentities(registryPath).Where(i => i.Id != Silent).ToArray();
        _fleet = await DeviceFleet.ConnectAsync(identities, new Uri($"mqtt://127.0.0.1:{_hub.MqttPort}"), TextWriter.Null, CancellationToken.None);
        Assert.Equal(identities.Length, _fleet.Count);
    }

    public async Task DisposeAsync()
    {
        await DeviceFleet.StopAsync(_fleet, announce: false);
        await _pages.DisposeAsync();
        await _hub.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task Wall_mode_shows_every_alert_and_every_device_in_trouble_without_scrolling_in_large_type()
    {
        await SeedTroubleAsync();
        var page = await LoggedInPageAsync("/?wall=1");
        await Expect(page.Locator(".alert")).ToHaveCountAsync(7);

        // Nothing scrolls: not the page, not the board, not the device panel.
        await AssertNothingScrollsAsync(page);
        await Expect(page.Locator("body")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bwall\b"));

        // Every alert and every device in trouble is on the screen.
        foreach (var row in await page.Locator(".alert").AllAsync())
        {
            await AssertOnScreenAsync(row, $"alert {await row.GetAttributeAsync("data-type")}");
        }

        var troubled = page.Locator(".devices .problem");
        var expected = Offline.Append(Silent).Append(FaultyCar).Append(TamperedCamera).Order().ToArray();
        var shown = new List<string>();
        foreach (var item in await troubled.AllAsync())
        {
            shown.Add((await item.GetAttributeAsync("data-device"))!);
            await AssertOnScreenAsync(item, $"device {shown[^1]}");
        }

        Assert.Equal(expected, shown.Order().ToArray());
        await Expect(page.Locator($".devices .problem[data-device='{FaultyCar}']")).ToContainTextAsync("E21");
        await Expect(page.Locator(".devices .kind-count[data-kind='camera'] b")).ToHaveTextAsync("在线 9/10");

        // Readable from 4 m: the type at least 28 px, facts and everything else on a row at least 20 px.
        await AssertFontSizeAsync(page, ".alert-type", 28);
        foreach (var selector in new[] { ".alert-fact", ".alert-where span", ".alert-meta span", ".alert .sla", ".alert .badge", ".alert .btn", ".devices .problem", ".devices .kind-count", ".tile-label" })
        {
            await AssertFontSizeAsync(page, selector, 20);
        }

        await TestArtifacts.ScreenshotAsync(page, "desk-wall");

        // A smaller screen: what does not fit is left out, most severe and longest waiting kept, and counted.
        await page.SetViewportSizeAsync(1920, 720);
        var more = page.Locator(".board .wall-more");
        await Expect(more).ToBeVisibleAsync();
        await AssertNothingScrollsAsync(page);
        var shownRows = await page.Locator(".alert:visible").CountAsync();
        Assert.InRange(shownRows, 1, 6);
        await Expect(more).ToHaveTextAsync($"另有 {7 - shownRows} 条告警，屏幕放不下");
        await Expect(page.Locator(".alert:visible").First).ToHaveAttributeAsync("data-severity", "critical");
        await TestArtifacts.ScreenshotAsync(page, "desk-wall-720");
        await page.SetViewportSizeAsync(1920, 1080);
        await Expect(more).ToBeHiddenAsync();
        await Expect(page.Locator(".alert:visible")).ToHaveCountAsync(7);

        // Remembered on this screen; ?wall=0 turns it off.
        await page.GotoAsync(new Uri(_hub.HttpUrl, "/").ToString());
        await Expect(page.Locator("body")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bwall\b"));
        await page.GotoAsync(new Uri(_hub.HttpUrl, "/?wall=0").ToString());
        await Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-state", "live");
        await Expect(page.Locator("body")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bwall\b"));
        await Expect(page.Locator(".zone-card")).Not.ToHaveCountAsync(0);
        Assert.Empty(_pages.Errors);
    }

    [Fact]
    public async Task Wall_mode_in_english_fits_too()
    {
        await SeedTroubleAsync();
        var page = await LoggedInPageAsync("/?wall=1&lang=en");
        await Expect(page.Locator(".alert")).ToHaveCountAsync(7);
        await Expect(page.Locator(".alert[data-type='elevator_entrapment'] .alert-fact")).ToHaveTextAsync("Alarm button pressed in the car");
        await AssertNothingScrollsAsync(page);
        foreach (var row in await page.Locator(".alert").AllAsync())
        {
            await AssertOnScreenAsync(row, $"alert {await row.GetAttributeAsync("data-type")}");
        }

        await TestArtifacts.ScreenshotAsync(page, "desk-wall-english");
        Assert.Empty(_pages.Errors);
    }

    [Fact]
    public async Task A_kiosk_browser_with_the_documented_flags_chimes_without_a_click()
    {
        await SeedTroubleAsync();

        // Playwright starts Chromium with --autoplay-policy=no-user-gesture-required among its own switches: the
        // ordinary browser leaves it out, the kiosk has it (as docs/desk-screen.md says), so it is the only difference.
        // (Playwright's IgnoreDefaultArgs would also drop the same switch given in Args, hence the two ways.)
        using var playwright = await Playwright.CreateAsync();
        const string Autoplay = "--autoplay-policy=no-user-gesture-required";
        async Task<IPage> OpenAsync(bool kiosk)
        {
            var chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = BrowserFixture.ChromiumPath,
                Headless = true,
                Args = kiosk ? [.. BrowserFixture.ChromiumArgs, Autoplay] : BrowserFixture.ChromiumArgs,
                IgnoreDefaultArgs = kiosk ? [] : [Autoplay],
            });
            var context = await chromium.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1920, Height = 1080 }, Locale = "zh-CN", TimezoneId = "Asia/Shanghai" });
            await LogInAsync(await context.NewPageAsync(), "/?wall=1");

            // The wall screen as it comes back after a power cut or a reload: signed in, and nobody has touched it
            // (the click on the login page would count as one for the page it leads to).
            var page = await context.NewPageAsync();
            page.PageError += (_, error) => _errors.Add(error);
            await page.GotoAsync(_hub.HttpUrl.ToString());
            await Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-state", "live");
            await Expect(page.Locator("body")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bwall\b"));
            return page;
        }

        // A browser as it comes: the critical alert rings, but sound waits for a touch and the button says so.
        var ordinary = await OpenAsync(kiosk: false);
        await Expect(ordinary.Locator("body")).ToHaveAttributeAsync("data-chime", "on");
        await Expect(ordinary.Locator("#mute")).ToHaveTextAsync("点击启用提示音");
        await Expect(ordinary.Locator("body")).ToHaveAttributeAsync("data-sound", "blocked");
        await ordinary.Context.Browser!.CloseAsync();

        // Chromium started as docs/desk-screen.md says for a wall screen: sound at once, nobody touched it.
        var kiosk = await OpenAsync(kiosk: true);
        await Expect(kiosk.Locator("body")).ToHaveAttributeAsync("data-chime", "on");
        await Expect(kiosk.Locator("#mute")).ToHaveTextAsync("提示音：开");
        await Expect(kiosk.Locator("body")).ToHaveAttributeAsync("data-sound", "running");
        await Expect(kiosk.Locator("#mute")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("attention"));
        await kiosk.Context.Browser!.CloseAsync();
        Assert.Empty(_errors);
    }

    /// <summary>Two devices say they are offline, one car reports a fault, a camera is covered, and four more alerts.</summary>
    private async Task SeedTroubleAsync()
    {
        SimulatedDevice Device(string id) => _fleet.Single(d => d.Identity.Id == id);
        Task Publish(string id, DeviceChannel channel, string payload, bool retain = false) =>
            Device(id).PublishAsync(channel, payload, MqttQualityOfServiceLevel.AtLeastOnce, retain, CancellationToken.None);
        Task Telemetry(string id, string json) => Publish(id, DeviceChannel.Telemetry, json);

        await Telemetry("b03-chg", """{"circuit":"corridor","currentA":2.0}""");
        await Telemetry("b06-lift-a", """{"floor":5,"doorOpen":false,"running":false,"occupied":true}""");
        await Publish("b06-lift-a", DeviceChannel.Event, """{"type":"alarm_button"}""");
        await Telemetry(FaultyCar, """{"floor":1,"doorOpen":true,"running":false,"occupied":false,"fault":"E21"}""");
        await Telemetry("car-park-chg-2", """{"currentA":0.0,"tempC":78.0,"smoke":false}""");
        await Telemetry(TamperedCamera, """{"online":true,"tamper":true}""");
        foreach (var id in Offline)
        {
            await Publish(id, DeviceChannel.Status, "offline", retain: true);
        }

        await Task.Delay(1100);
        await Telemetry("b03-chg", """{"circuit":"corridor","currentA":2.3}""");
        // Seven: flying wire, entrapment, elevator fault, overheat, tamper and two devices offline.
        await Eventually.BecomesAsync(() => _hub.GetJsonAsync("/api/alerts?state=open"), a => a.GetArrayLength() == 7, TimeSpan.FromSeconds(10), "seven open alerts");
    }

    private static async Task AssertNothingScrollsAsync(IPage page)
    {
        var sizes = await page.EvaluateAsync<Dictionary<string, int[]>>("""
            () => Object.fromEntries([['page', document.scrollingElement], ['board', document.querySelector('.board-list')], ['devices', document.querySelector('.devices-body')]]
              .map(([name, el]) => [name, [el.scrollHeight, el.clientHeight, el.scrollWidth, el.clientWidth]]))
            """);
        foreach (var (name, size) in sizes)
        {
            Assert.True(size[0] <= size[1], $"the {name} scrolls: {size[0]} px of content in {size[1]} px");
            Assert.True(size[2] <= size[3], $"the {name} scrolls sideways: {size[2]} px of content in {size[3]} px");
        }
    }

    private static async Task AssertOnScreenAsync(ILocator element, string what)
    {
        var box = await element.BoundingBoxAsync();
        Assert.True(box is not null, $"{what} is not shown");
        Assert.True(box.Y >= 0 && box.Y + box.Height <= 1080 && box.X >= 0 && box.X + box.Width <= 1920, $"{what} is off the screen: {box.X},{box.Y} {box.Width}×{box.Height}");
    }

    private static async Task AssertFontSizeAsync(IPage page, string selector, double atLeast)
    {
        var sizes = await page.EvaluateAsync<double[]>("s => [...document.querySelectorAll(s)].map(e => parseFloat(getComputedStyle(e).fontSize))", selector);
        Assert.True(sizes.Length > 0, $"nothing matches {selector}");
        Assert.True(sizes.Min() >= atLeast, $"{selector} is {sizes.Min()} px, less than {atLeast} px");
    }

    private async Task<IPage> LoggedInPageAsync(string path)
    {
        var page = await _pages.NewPageAsync();
        await LogInAsync(page, path);
        return page;
    }

    private async Task LogInAsync(IPage page, string path)
    {
        await page.GotoAsync(new Uri(_hub.HttpUrl, "/login.html?next=" + Uri.EscapeDataString(path)).ToString());
        await page.FillAsync("#username", "op");
        await page.FillAsync("#password", "op-password");
        await page.ClickAsync("#login-submit");
        await Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-state", "live");
    }
}
