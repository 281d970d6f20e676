using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using MQTTnet;
using RedProperty.Iot.Hub.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RedProperty.Iot.Hub.Tests.Browser;

/// <summary>A grid worker's phone (390×844) against the real hub: the assigned alert, an action sent offline, the sticker pages, the desk beside it.</summary>
[Collection("browser")]
public sealed class FieldPhoneBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly WatchedPages _desks = new(browser);

    // The phone goes offline on purpose: the browser reports the failed requests and the cut connection.
    private readonly WatchedPages _phones = new(browser);

    private string _workDir = null!;
    private HubHost _hub = null!;

    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(15_000);
        _workDir = Directory.CreateTempSubdirectory("rp-field-phone-").FullName;
        _hub = await HubHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Influx:Version"] = "none",
            ["Field:Roster:wang:0"] = "daily 00:00-24:00",
            ["Alerts:Thresholds:FlyingWireSustainS"] = "1",
        });
        Assert.Equal(HttpStatusCode.Created, (await _hub.Http.PostAsJsonAsync("/api/staff", new { username = "wang", displayName = "网格员小王", password = "wang-password", role = "operator", sites = new[] { TestRegistry.Site } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _hub.Http.PatchAsJsonAsync("/api/staff/wang", new { zones = new[] { $"{TestRegistry.Site}/grid-2" } })).StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _desks.DisposeAsync();
        await _phones.DisposeAsync();
        await _hub.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task A_worker_gets_the_alert_on_the_phone_responds_sets_out_offline_proves_arrival_by_sticker_and_resolves()
    {
        var phone = await _phones.NewPageAsync(390, 844);
        await phone.GotoAsync(new Uri(_hub.HttpUrl, "/m").ToString());
        Assert.EndsWith("/login.html", new Uri(phone.Url).AbsolutePath);
        await phone.FillAsync("#username", "wang");
        await phone.FillAsync("#password", "wang-password");
        await phone.ClickAsync("#login-submit");
        await Expect(phone.Locator("body")).ToHaveAttributeAsync("data-state", "ready");
        Assert.StartsWith("/m", new Uri(phone.Url).AbsolutePath, StringComparison.Ordinal);
        await Expect(phone.Locator("#duty")).ToHaveAttributeAsync("data-duty", "on");

        var desk = await _desks.NewPageAsync(1440, 900);
        await desk.GotoAsync(new Uri(_hub.HttpUrl, "/").ToString());
        await desk.FillAsync("#username", HubHost.AdminUser);
        await desk.FillAsync("#password", HubHost.AdminPassword);
        await desk.ClickAsync("#login-submit");
        await Expect(desk.Locator("#conn")).ToHaveAttributeAsync("data-state", "live");

        // Someone charges an e-bike from the corridor's socket (flying wire): wang's zone, so wang's phone, within 2 s.
        var charger = await _hub.ConnectDeviceAsync("chg-2");
        await HubHost.PublishAsync(charger, "rp/testsite/charger/chg-2/telemetry", """{"circuit":"corridor","currentA":2.0}""");
        await Task.Delay(1100);
        await HubHost.PublishAsync(charger, "rp/testsite/charger/chg-2/telemetry", """{"circuit":"corridor","currentA":2.1}""");
        var card = phone.Locator("#mine li[data-alert]");
        await Expect(card).ToHaveCountAsync(1, new() { Timeout = 2000 });
        await Expect(card).ToContainTextAsync("2栋3楼走廊");
        await Expect(card.Locator(".field-type")).ToHaveTextAsync("飞线充电");
        var id = await card.GetAttributeAsync("data-alert");
        await Expect(phone.Locator("body")).ToHaveAttributeAsync("data-assigned", id!);
        // Built for the phone: the card's buttons are within the first screen and nothing runs off its side.
        var respond = card.Locator("button[data-action='ack']");
        var box = await respond.BoundingBoxAsync();
        Assert.True(box is { Y: < 844, Height: >= 44 } && box.X + box.Width <= 390, $"Respond at {box?.X},{box?.Y} {box?.Width}x{box?.Height}");
        Assert.True(await phone.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 390"));

        await respond.ClickAsync();
        await Expect(card).ToHaveAttributeAsync("data-state", "acknowledged");

        // No signal in the stairwell: "On my way" waits on the phone and goes, once, when the connection is back.
        await phone.Context.SetOfflineAsync(true);
        await card.Locator("button[data-action='on-the-way']").ClickAsync();
        await Expect(phone.Locator("#queued")).ToBeVisibleAsync();
        await Task.Delay(1500);
        Assert.Equal(JsonValueKind.Null, (await AlertAsync(id!)).GetProperty("onTheWayAt").ValueKind);
        await phone.Context.SetOfflineAsync(false);
        await Expect(phone.Locator("#queued")).ToBeHiddenAsync(new() { Timeout = 15_000 });
        Assert.Equal("wang", (await AlertAsync(id!)).GetProperty("onTheWayBy").GetString());

        // At the place: first the zone's sticker (another place), then the corridor's own.
        var places = (await _hub.GetJsonAsync($"/api/places?site={TestRegistry.Site}")).EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!, p => p.GetProperty("arrivalUrl").GetString()!);
        await phone.GotoAsync(places["grid-2"]);
        await Expect(phone.Locator("body")).ToHaveAttributeAsync("data-state", "ready");
        var elsewhere = phone.Locator($"li[data-alert='{id}']");
        await Expect(elsewhere).ToContainTextAsync("2栋3楼走廊");
        await elsewhere.Locator("button").ClickAsync();
        await Expect(phone.Locator("#error")).ToContainTextAsync("Wrong place");
        Assert.Equal(JsonValueKind.Null, (await AlertAsync(id!)).GetProperty("arrivedAt").ValueKind);

        // The corridor's own sticker; the signal drops (a basement) just as "Arrived" is tapped: it waits on the
        // phone and is delivered once when the connection returns.
        await phone.GotoAsync(places[TestRegistry.CorridorPlace]);
        await Expect(phone.Locator("#place")).ToHaveTextAsync("2栋3楼走廊");
        await phone.Context.SetOfflineAsync(true);
        await phone.Locator($"li[data-alert='{id}'] button").ClickAsync();
        await Expect(phone.Locator("#queued")).ToBeVisibleAsync();
        await Task.Delay(1500);
        Assert.Equal(JsonValueKind.Null, (await AlertAsync(id!)).GetProperty("arrivedAt").ValueKind);
        await phone.Context.SetOfflineAsync(false);
        await Expect(phone.Locator("#queued")).ToBeHiddenAsync(new() { Timeout = 15_000 });
        await Expect(phone.Locator($"li[data-alert='{id}']")).ToContainTextAsync("wang 已到场");
        await Expect(phone.Locator($"li[data-alert='{id}'] button")).ToBeDisabledAsync();
        var arrived = await AlertAsync(id!);
        Assert.Equal(("wang", "sticker"), (arrived.GetProperty("arrivedBy").GetString(), arrived.GetProperty("arrivalProof").GetString()));
        // The desk, in its own browser, shows who is on site.
        await Expect(desk.Locator($".alert[data-alert-id='{id}'] .sla")).ToContainTextAsync("wang 已到场");

        // Back on the list: resolved with a note.
        await phone.GotoAsync(new Uri(_hub.HttpUrl, "/m").ToString());
        await Expect(phone.Locator("body")).ToHaveAttributeAsync("data-state", "ready");
        await phone.Locator($"li[data-alert='{id}'] button[data-action='resolve']").ClickAsync();
        await phone.FillAsync("#resolve-form textarea", "拔掉充电器，线已收走");
        // The photo from the phone's camera (a file input), 4000×3000 as a phone takes it: scaled on the phone.
        await phone.SetInputFilesAsync("#resolve-form input[name='photo']", new FilePayload { Name = "IMG_0001.jpg", MimeType = "image/jpeg", Buffer = Integration.FieldPhotoTests.PhoneJpeg(4000, 3000, SkiaSharp.SKColors.Firebrick) });
        await phone.ClickAsync("#resolve-form button[type='submit']");
        await Expect(phone.Locator($"li[data-alert='{id}']")).ToHaveCountAsync(0);
        var resolved = await AlertAsync(id!);
        Assert.Equal("resolved", resolved.GetProperty("state").GetString());
        var photo = await _hub.Http.GetByteArrayAsync(resolved.GetProperty("photoUrl").GetString()!);
        using (var codec = SkiaSharp.SKCodec.Create(SkiaSharp.SKData.CreateCopy(photo)))
        {
            Assert.Equal((1600, 1200), (codec.Info.Width, codec.Info.Height));
        }
        var history = (await _hub.GetJsonAsync($"/api/alerts/{id}")).GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()!).ToArray();
        Assert.Equal(["raised", "assigned", "acknowledged", "on_the_way", "arrived", "resolved"], history);
        Assert.Empty(_desks.Errors);
        await charger.DisconnectAsync();
    }

    [Fact]
    public async Task A_resident_reports_a_dark_corridor_from_the_sticker_the_desk_gets_it_and_the_tracking_page_moves_through_every_step()
    {
        var desk = await _desks.NewPageAsync(1440, 900);
        await desk.GotoAsync(new Uri(_hub.HttpUrl, "/").ToString());
        await desk.FillAsync("#username", HubHost.AdminUser);
        await desk.FillAsync("#password", HubHost.AdminPassword);
        await desk.ClickAsync("#login-submit");
        await Expect(desk.Locator("#conn")).ToHaveAttributeAsync("data-state", "live");

        // The resident scans the large code: no login, the place named, one screen on a phone.
        var corridor = (await _hub.GetJsonAsync($"/api/places?site={TestRegistry.Site}")).EnumerateArray().Single(p => p.GetProperty("id").GetString() == TestRegistry.CorridorPlace);
        var phone = await _phones.NewPageAsync(390, 844);
        await phone.GotoAsync(corridor.GetProperty("residentUrl").GetString()!);
        await Expect(phone.Locator("body")).ToHaveAttributeAsync("data-state", "ready");
        await Expect(phone.Locator("#place")).ToHaveTextAsync("2栋3楼走廊");
        var submitBox = await phone.Locator("#submit").BoundingBoxAsync();
        Assert.True(submitBox is { Y: < 844 } && submitBox.X + submitBox.Width <= 390, $"submit at {submitBox?.X},{submitBox?.Y}");
        await phone.CheckAsync("input[value='light_out']");
        await phone.FillAsync("textarea[name='text']", "三楼走廊的灯坏了好几天");
        await phone.SetInputFilesAsync("input[name='photo']", new FilePayload { Name = "dark.jpg", MimeType = "image/jpeg", Buffer = Integration.FieldPhotoTests.PhoneJpeg(3000, 4000, SkiaSharp.SKColors.Black) });
        await phone.FillAsync("input[name='phone']", "139 0000 1234");
        await phone.ClickAsync("#submit");
        await Expect(phone.Locator("body")).ToHaveAttributeAsync("data-state", "sent");
        var trackingUrl = await phone.Locator("#tracking").GetAttributeAsync("href");

        // The desk gets a resident_report at that place, assigned to wang (on duty, grid-2).
        var row = desk.Locator(".alert[data-type='resident_report']");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync("三楼走廊的灯坏了好几天");
        var id = await row.GetAttributeAsync("data-alert-id");
        var reported = await AlertAsync(id!);
        Assert.Equal(("wang", TestRegistry.CorridorPlace), (reported.GetProperty("assignedTo").GetString(), reported.GetProperty("place").GetString()));
        // With the resident's photo; the desk (not the assigned worker) sees the number masked.
        await row.First.ClickAsync();
        await Expect(desk.Locator("#drawer-body img.resident-photo")).ToHaveAttributeAsync("src", reported.GetProperty("residentPhotoUrl").GetString()!);
        await Expect(desk.Locator("#drawer-body ul.residents")).ToContainTextAsync("139****1234");
        Assert.DoesNotContain("0000", await desk.Locator("#drawer-body").InnerTextAsync(), StringComparison.Ordinal);

        // The resident's tracking page moves through every step as wang works.
        await phone.GotoAsync(trackingUrl!);
        await Expect(phone.Locator("body")).ToHaveAttributeAsync("data-state", "active");
        await Expect(phone.Locator("li[data-step='received']")).ToHaveClassAsync("done");
        await Expect(phone.Locator("li[data-step='responding']")).ToHaveClassAsync("waiting");
        using var wang = new HttpClient { BaseAddress = _hub.HttpUrl };
        wang.DefaultRequestHeaders.Authorization = new("Bearer", await _hub.TokenAsync("wang", "wang-password"));
        (await wang.PostAsync($"/api/alerts/{id}/on-the-way", null)).EnsureSuccessStatusCode();
        (await wang.PostAsJsonAsync($"/api/alerts/{id}/arrive", new { place = corridor.GetProperty("arrivalUrl").GetString()!.Split('/')[^1] })).EnsureSuccessStatusCode();
        (await wang.PostAsJsonAsync($"/api/alerts/{id}/resolve", new { note = "换了灯管，已恢复照明" })).EnsureSuccessStatusCode();
        await phone.ReloadAsync();
        await Expect(phone.Locator("body")).ToHaveAttributeAsync("data-state", "resolved");
        foreach (var step in new[] { "received", "responding", "on_the_way", "on_site", "resolved" })
        {
            await Expect(phone.Locator($"li[data-step='{step}']")).ToHaveClassAsync("done");
        }

        await Expect(phone.Locator("li[data-step='on_site']")).ToContainTextAsync("网格员小王");
        await Expect(phone.Locator("#resolution")).ToContainTextAsync("换了灯管，已恢复照明");
        Assert.DoesNotContain("wang", await phone.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Empty(_phones.Errors);
        Assert.Empty(_desks.Errors);
    }

    [Fact]
    public async Task A_worker_scans_the_sticker_from_the_phone_page_and_the_zone_supervisor_hears_of_an_escalation()
    {
        // Escalation after 3 s instead of 15 minutes; li supervises grid-2 from the phone.
        await _hub.DisposeAsync();
        _hub = await HubHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Influx:Version"] = "none",
            ["Field:Roster:wang:0"] = "daily 00:00-24:00",
            ["Alerts:AcknowledgeWithin"] = "00:00:03",
        }, Path.Combine(_workDir, "hub"));
        Assert.Equal(HttpStatusCode.Created, (await _hub.Http.PostAsJsonAsync("/api/staff", new { username = "wang", displayName = "网格员小王", password = "wang-password", role = "operator", sites = new[] { TestRegistry.Site } })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _hub.Http.PostAsJsonAsync("/api/staff", new { username = "li", displayName = "主管老李", password = "li-password", role = "supervisor", sites = new[] { TestRegistry.Site } })).StatusCode);
        foreach (var user in new[] { "wang", "li" })
        {
            Assert.Equal(HttpStatusCode.OK, (await _hub.Http.PatchAsJsonAsync($"/api/staff/{user}", new { zones = new[] { $"{TestRegistry.Site}/grid-2" } })).StatusCode);
        }

        var places = (await _hub.GetJsonAsync($"/api/places?site={TestRegistry.Site}")).EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!, p => p.GetProperty("arrivalUrl").GetString()!);
        // The phone's browser reads QR codes (BarcodeDetector, as Chrome on Android has it): here it reads what the test says the sticker holds.
        const string Reader = "window.BarcodeDetector = class { async detect() { return [{ rawValue: localStorage.getItem('test.sticker') }]; } };";
        var phone = await _phones.NewPageAsync(390, 844);
        await phone.AddInitScriptAsync(Reader);
        var supervisor = await _phones.NewPageAsync(390, 844);
        foreach (var (page, user) in new[] { (phone, "wang"), (supervisor, "li") })
        {
            await page.GotoAsync(new Uri(_hub.HttpUrl, "/m").ToString());
            await page.FillAsync("#username", user);
            await page.FillAsync("#password", $"{user}-password");
            await page.ClickAsync("#login-submit");
            await Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "ready");
        }

        var charger = await _hub.ConnectDeviceAsync("chg-2");
        await HubHost.PublishAsync(charger, "rp/testsite/charger/chg-2/telemetry", """{"circuit":"station","tempC":82}""");
        var card = phone.Locator("#mine li[data-alert]");
        await Expect(card).ToHaveCountAsync(1, new() { Timeout = 2000 });
        var id = await card.GetAttributeAsync("data-alert");

        // Nobody responds in time: the zone's supervisor's phone says so (and the alert is in li's zone list).
        await Expect(supervisor.Locator("body")).ToHaveAttributeAsync("data-escalated", id!);
        await Expect(supervisor.Locator("#escalated")).ToContainTextAsync("15 分钟内未响应");
        await Expect(supervisor.Locator($"#zones li[data-alert='{id}'] .field-escalated")).ToBeVisibleAsync();
        // wang's phone is not a supervisor's: the card says it, no notice.
        await Expect(card.Locator(".field-escalated")).ToBeVisibleAsync();
        await Expect(phone.Locator("#escalated")).ToBeHiddenAsync();

        async Task ScanAsync(string stickerUrl)
        {
            await phone.EvaluateAsync("url => localStorage.setItem('test.sticker', url)", stickerUrl);
            var chooser = await phone.RunAndWaitForFileChooserAsync(() => card.Locator("button[data-action='scan']").ClickAsync());
            await chooser.SetFilesAsync(new FilePayload { Name = "sticker.jpg", MimeType = "image/jpeg", Buffer = Integration.FieldPhotoTests.PhoneJpeg(800, 600, SkiaSharp.SKColors.White) });
        }

        // A photo of the zone's sticker (another place): refused as the wrong place, nothing recorded.
        await ScanAsync(places["grid-2"]);
        await Expect(phone.Locator("#error")).ToContainTextAsync("Wrong place");
        Assert.Equal(JsonValueKind.Null, (await AlertAsync(id!)).GetProperty("arrivedAt").ValueKind);
        // A code that is no staff sticker (the residents' code of the same place) is not sent at all.
        await ScanAsync((await _hub.GetJsonAsync($"/api/places?site={TestRegistry.Site}")).EnumerateArray().Single(p => p.GetProperty("id").GetString() == TestRegistry.CorridorPlace).GetProperty("residentUrl").GetString()!);
        await Expect(phone.Locator("#error")).ToContainTextAsync("没有找到场所的签到码");

        // The corridor's own sticker, scanned in a dead spot: it waits, then goes once.
        await phone.Context.SetOfflineAsync(true);
        await ScanAsync(places[TestRegistry.CorridorPlace]);
        await Expect(phone.Locator("#queued")).ToBeVisibleAsync();
        await phone.Context.SetOfflineAsync(false);
        await Expect(phone.Locator("#queued")).ToBeHiddenAsync(new() { Timeout = 15_000 });
        var arrived = await AlertAsync(id!);
        Assert.Equal(("wang", "sticker"), (arrived.GetProperty("arrivedBy").GetString(), arrived.GetProperty("arrivalProof").GetString()));
        await Expect(card.Locator("button[data-action='scan']")).ToHaveCountAsync(0);
        var history = (await _hub.GetJsonAsync($"/api/alerts/{id}")).GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()!).ToArray();
        Assert.Equal(["raised", "assigned", "escalated", "acknowledged", "arrived"], history);
        await charger.DisconnectAsync();
    }

    private async Task<JsonElement> AlertAsync(string id) => (await _hub.GetJsonAsync($"/api/alerts/{id}")).GetProperty("alert");
}
