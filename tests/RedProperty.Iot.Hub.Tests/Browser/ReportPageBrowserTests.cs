using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Playwright;
using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Field;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.FirmwareSim.Devices;
using RedProperty.Iot.FirmwareSim.Scenarios;
using RedProperty.Iot.Hub.Storage;
using RedProperty.Iot.Hub.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RedProperty.Iot.Hub.Tests.Browser;

/// <summary>
/// The supervisors' report page in headless Chromium over a seeded September and October of two
/// compounds' alert history: charts, tables, red/black list, and the A4 PDF printed from it.
/// </summary>
[Collection("browser")]
public sealed class ReportPageBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private const string Month = "2026-10";
    private static readonly TimeSpan Shanghai = TimeSpan.FromHours(8);

    private const string Scenario = """
        seed: 5
        start: 2026-10-01T00:00:00+08:00
        duration: 1h
        sites:
          - id: moon
            name: 月华苑
            timeZone: Asia/Shanghai
            grids: 2
            buildings: 6
            building: { stairwellLights: 1, corridorChargers: 1, elevators: 1, carCameras: 1 }
            zones:
              - { id: gate, name: 正门, type: gate, devices: { camera: 2 } }
              - { id: car-park, name: 地下车库, type: car-park, devices: { camera: 2, charger: 4 } }
          - id: river
            name: 江景城
            timeZone: Asia/Shanghai
            grids: 1
            buildings: 4
            building: { stairwellLights: 1, corridorChargers: 1, elevators: 1, carCameras: 1 }
            zones:
              - { id: gate, name: 北门, type: gate, devices: { camera: 1 } }
        """;

    private readonly WatchedPages _pages = new(browser);
    private string _workDir = null!;
    private HubHost _hub = null!;

    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(15_000);
        _workDir = Directory.CreateTempSubdirectory("rp-report-page-").FullName;
        var scenarioPath = Path.Combine(_workDir, "two-compounds.yaml");
        await File.WriteAllTextAsync(scenarioPath, Scenario);
        var scenario = ScenarioReader.Load(scenarioPath);
        var registryPath = Path.Combine(_workDir, "registry.json");
        RegistryFile.Write(ScenarioRegistry.Build(scenario), registryPath);

        var dataDir = Path.Combine(_workDir, "hub");
        await SeedAsync(dataDir, scenario);
        _hub = await HubHost.StartAsync(new Dictionary<string, string?> { ["Hub:Registry"] = registryPath, ["Influx:Version"] = "none" }, dataDir);
        foreach (var (user, role) in new[] { ("boss", "supervisor"), ("op", "operator") })
        {
            var created = await _hub.Http.PostAsJsonAsync("/api/staff", new { username = user, displayName = role == "supervisor" ? "主管老李" : "值班员小王", password = $"{user}-password", role, sites = new[] { "moon", "river" } });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
    }

    public async Task DisposeAsync()
    {
        await _pages.DisposeAsync();
        await _hub.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task The_report_page_draws_a_seeded_month_and_prints_a_clean_A4_pdf()
    {
        // October is over (the machine's clock says so): the hub closed it, and any month since, at start and published it.
        await Eventually.BecomesAsync(
            () => _hub.GetJsonAsync("/api/reports/monthly?site=moon"),
            list => list.EnumerateArray().Any(r => r.GetProperty("month").GetString() == Month && r.GetProperty("publishedAt").ValueKind == JsonValueKind.String),
            TimeSpan.FromSeconds(15),
            "October's published snapshot");
        var ranking = await _hub.GetJsonAsync($"/api/reports/ranking?month={Month}");
        var moon = ranking.GetProperty("sites").EnumerateArray().Single(s => s.GetProperty("site").GetString() == "moon");

        // An anonymous visitor is sent to the login page and comes back to the report.
        var page = await _pages.NewPageAsync(1440, 1000);
        await page.GotoAsync(new Uri(_hub.HttpUrl, $"/report.html?site=moon&month={Month}").ToString());
        Assert.EndsWith("/login.html", new Uri(page.Url).AbsolutePath);
        await page.FillAsync("#username", "boss");
        await page.FillAsync("#password", "boss-password");
        await page.ClickAsync("#login-submit");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "ready");
        Assert.EndsWith($"/report.html?site=moon&month={Month}", page.Url);

        await Expect(page.Locator("#r-heading")).ToHaveTextAsync("月华苑 · 2026年10月 服务质量报告");
        await Expect(page.Locator(".kpi.score .kpi-value")).ToHaveTextAsync(moon.GetProperty("score").GetDouble().ToString("0.#", CultureInfo.InvariantCulture));
        await Expect(page.Locator("#r-snapshot")).ToHaveClassAsync("report-snapshot final");
        await Expect(page.Locator("#r-snapshot")).ToContainTextAsync("rp/moon/report/monthly");
        await Expect(page.Locator("#r-snapshot-json")).ToHaveAttributeAsync("href", $"/api/reports/monthly/moon/{Month}");

        // Every chart is drawn (SVG with marks), and the ones with data are not empty.
        foreach (var chart in new[] { "c-parts", "c-trend", "c-types", "c-severity", "c-ranking", "c-cameras", "c-elevators", "c-wire" })
        {
            var marks = await page.Locator($"#{chart} svg path").CountAsync();
            Assert.True(marks > 3, $"{chart} has {marks} paths");
            Assert.Equal("false", await page.GetAttributeAsync($"#{chart}", "data-empty"));
        }

        // The ranking: both compounds, one on each list, the one shown highlighted.
        // By zone: the eventful ones listed (as many as the API has with alerts or downtime), the quiet ones counted.
        var zones = await _hub.GetJsonAsync($"/api/reports/service-quality/zones?site=moon&month={Month}");
        var eventful = zones.EnumerateArray().Count(z => z.GetProperty("alerts").GetProperty("raised").GetInt32() > 0
            || z.GetProperty("lighting").GetProperty("lampDaysDark").GetDouble() > 0
            || z.GetProperty("elevators").GetProperty("downtimeMinutesPerCar").EnumerateObject().Any(c => c.Value.GetDouble() > 0)
            || (z.GetProperty("cameras").GetProperty("siteAvailability").ValueKind == JsonValueKind.Number && z.GetProperty("cameras").GetProperty("siteAvailability").GetDouble() < 1)
            || z.GetProperty("deviceAvailabilityByKind").EnumerateObject().Any(k => k.Value.GetDouble() < 1));
        Assert.InRange(eventful, 1, zones.GetArrayLength() - 1);
        await Expect(page.Locator(".report-table.zones tbody tr:not(.quiet)")).ToHaveCountAsync(eventful);
        await Expect(page.Locator(".report-table.zones tr.quiet")).ToHaveTextAsync($"其余 {zones.GetArrayLength() - eventful} 个区域本月无告警、无停运。");

        // Residents' reports: per category, and per place with the repeat place marked.
        await Expect(page.Locator(".report-table.residents tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator(".report-table.residents tbody tr").First).ToContainTextAsync("灯不亮");
        await Expect(page.Locator(".report-table.resident-places tr.repeat")).ToHaveCountAsync(1);
        await Expect(page.Locator(".report-table.resident-places tr.repeat")).ToContainTextAsync("本月 2 次");

        var rows = page.Locator(".report-table.ranking tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(page.Locator(".badge.red")).ToHaveCountAsync(1);
        await Expect(page.Locator(".badge.black")).ToHaveCountAsync(1);
        await Expect(page.Locator(".report-table.ranking tr.current")).ToContainTextAsync("月华苑");
        await TestArtifacts.ScreenshotAsync(page, "report-page");

        // English, the same figures.
        await page.ClickAsync("#lang");
        await Expect(page.Locator("#r-heading")).ToHaveTextAsync("月华苑 · service quality, October 2026");
        await Expect(page.Locator(".badge.red")).ToHaveTextAsync("Red list");
        await page.ClickAsync("#lang");
        await Expect(page.Locator("#r-heading")).ToHaveTextAsync("月华苑 · 2026年10月 服务质量报告");

        // Printed on A4: the page lays itself out for paper, Chromium prints it (as --print-to-pdf does), poppler checks it.
        await page.SetViewportSizeAsync(794, 1123);
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Print });
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-layout", "print");
        var overflow = await page.EvaluateAsync<int>("() => [...document.querySelectorAll('.chart svg')].filter(svg => svg.getBoundingClientRect().right > svg.closest('.chart-card').getBoundingClientRect().right + 1).length");
        Assert.Equal(0, overflow);
        // White paper: neither the page nor what is left of the last page is painted with the screen's grey.
        Assert.Equal("rgb(255, 255, 255) rgb(255, 255, 255)", await page.EvaluateAsync<string>("() => getComputedStyle(document.documentElement).backgroundColor + ' ' + getComputedStyle(document.body).backgroundColor"));
        var pdfPath = Path.Combine(TestArtifacts.Directory, $"report-moon-{Month}.pdf");
        await page.PdfAsync(new PagePdfOptions { Path = pdfPath, Format = "A4", PrintBackground = true, PreferCSSPageSize = true });
        Assert.Equal("%PDF-"u8.ToArray(), File.ReadAllBytes(pdfPath)[..5]);

        var info = await RunAsync("pdfinfo", pdfPath);
        Assert.Matches(@"Page size:\s+59[45](\.\d+)? x 84[12](\.\d+)? pts \(A4\)", info);
        var pages = int.Parse(System.Text.RegularExpressions.Regex.Match(info, @"Pages:\s+(\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(pages, 1, 4);

        var text = await RunAsync("pdftotext", "-layout", pdfPath, "-");
        Assert.Contains("服务质量报告", text);
        Assert.Contains("红黑榜", text);
        Assert.DoesNotContain("打印 / 存为 PDF", text); // the controls are not printed

        var pngPrefix = Path.Combine(TestArtifacts.Directory, $"report-moon-{Month}-page");
        await RunAsync("pdftoppm", "-f", "1", "-l", "1", "-r", "110", "-png", "-singlefile", pdfPath, pngPrefix);
        var png = new FileInfo(pngPrefix + ".png");
        Assert.True(png.Exists && png.Length > 20_000, $"{png.FullName} was not rendered");
        Assert.Empty(_pages.Errors);
    }

    [Fact]
    public async Task Operators_are_told_the_reports_are_for_supervisors()
    {
        var page = await _pages.NewPageAsync(1280, 800);
        await page.GotoAsync(new Uri(_hub.HttpUrl, "/login.html?next=/report.html").ToString());
        await page.FillAsync("#username", "op");
        await page.FillAsync("#password", "op-password");
        await page.ClickAsync("#login-submit");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "forbidden");
        await Expect(page.Locator("#r-message")).ToHaveTextAsync("服务质量报告只对主管开放。");
        await Expect(page.Locator("#report")).ToBeHiddenAsync();

        // The desk shows the way to the reports to supervisors only.
        await page.GotoAsync(_hub.HttpUrl.ToString());
        await Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-state", "live");
        await Expect(page.Locator("#reports")).ToBeHiddenAsync();
        Assert.Empty(_pages.Errors);
    }

    /// <summary>
    /// Two months of alert history written through the alert aggregate: 月华苑 answers quickly, 江景城
    /// slowly, so the ranking has a clear red and black list; every kind of figure has something in it.
    /// </summary>
    private static async Task SeedAsync(string dataDir, Scenario scenario)
    {
        await using var database = HubDatabase.Open(Path.Combine(dataDir, "hub.db"), NullLogger.Instance);
        var random = new Random(8);
        foreach (var site in scenario.Sites)
        {
            var slow = site.Id == "river";
            // Building 6 and its car have a quiet month.
            var devices = site.Devices.Where(d => !d.Zone.StartsWith("b06", StringComparison.Ordinal)).ToArray();
            for (var day = new DateTime(2026, 9, 1); day < new DateTime(2026, 11, 1); day = day.AddDays(1))
            {
                foreach (var device in devices.Where(_ => random.NextDouble() < 0.06).ToArray())
                {
                    var (type, severity) = device.Kind switch
                    {
                        DeviceKind.Light => (AlertType.BrokenLight, AlertSeverity.Minor),
                        DeviceKind.Charger => (AlertType.FlyingWireCharging, AlertSeverity.Major),
                        DeviceKind.Elevator => random.NextDouble() < 0.3 ? (AlertType.ElevatorEntrapment, AlertSeverity.Critical) : (AlertType.ElevatorFault, AlertSeverity.Major),
                        _ => (AlertType.CameraTamper, AlertSeverity.Major),
                    };
                    var raised = new DateTimeOffset(day.AddHours(random.Next(0, 24)).AddMinutes(random.Next(0, 60)), Shanghai);
                    var alert = Alert.Raise(Guid.NewGuid(), new AlertKey(site.Id, device.Id, type), device.Zone, device.Kind, severity, "seeded", raised);
                    var ack = raised.AddMinutes(slow ? random.Next(8, 40) : random.Next(1, 12));
                    if (type == AlertType.BrokenLight)
                    {
                        alert.Clear(raised.AddHours(random.Next(20, 80)), "lamp repaired");
                    }
                    else if (type == AlertType.CameraTamper)
                    {
                        alert.Clear(raised.AddMinutes(random.Next(30, 240)), "picture back");
                    }
                    else
                    {
                        alert.Acknowledge("seed", ack);
                        alert.Resolve("seed", "handled", ack.AddMinutes(slow ? random.Next(15, 90) : random.Next(5, 25)));
                    }

                    await database.SaveAlertAsync(alert, "alertRaised", _ => "{}");
                }
            }

            // Residents of the first building reported its dark corridor twice in October (a repeat place), and a
            // smell once elsewhere.
            var home = devices[0].Zone;
            var other = devices.First(d => d.Zone != home).Zone;
            foreach (var (category, zone, day) in new[] { ("light_out", home, 3), ("light_out", home, 17), ("smoke", other, 9) })
            {
                var raised = new DateTimeOffset(2026, 10, day, 20, 0, 0, Shanghai);
                var report = Alert.Raise(Guid.NewGuid(), new AlertKey(site.Id, ResidentReportKey.DeviceIdOf(category, zone), AlertType.ResidentReport), zone, DeviceKind.Resident,
                    category == "smoke" ? AlertSeverity.Critical : AlertSeverity.Minor, "seeded report", raised, clearing: AlertClearing.Staff);
                report.Acknowledge("seed", raised.AddMinutes(5));
                report.Arrive("seed", raised.AddMinutes(slow ? 45 : 20), ArrivalProof.Sticker, zone);
                report.Resolve("seed", "fixed", raised.AddMinutes(60));
                await database.SaveAlertAsync(report, "alertRaised", _ => "{}");
            }
        }
    }

    private static async Task<string> RunAsync(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, $"{tool} failed: {await error}");
        return await output;
    }
}
