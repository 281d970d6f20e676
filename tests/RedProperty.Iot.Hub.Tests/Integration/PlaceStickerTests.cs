using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MQTTnet;
using RedProperty.Iot.Hub.Field;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>Places, their signed stickers, the printable sheet, and arrival proven by the sticker of the alert's place.</summary>
public sealed class PlaceStickerTests : IDisposable
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("rp-test-").FullName;

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    private Dictionary<string, string?> Settings(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?> { ["Hub:Registry"] = TestRegistry.Write(_workDir), ["Influx:Version"] = "none" };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    [Fact]
    public async Task Places_are_listed_for_the_sites_staff_cover_with_both_sticker_links()
    {
        await using var hub = await HubHost.StartAsync(Settings());
        var places = await hub.GetJsonAsync($"/api/places?site={TestRegistry.Site}");
        var byId = places.EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!);
        Assert.Equal([TestRegistry.CorridorPlace, TestRegistry.HostileZone, "grid-2", "lift-1"], byId.Keys.Order(StringComparer.Ordinal));
        var corridor = byId[TestRegistry.CorridorPlace];
        Assert.Equal(("2栋3楼走廊", "grid-2", "第二网格"), (corridor.GetProperty("name").GetString(), corridor.GetProperty("zone").GetString(), corridor.GetProperty("zoneName").GetString()));
        var arrivalUrl = corridor.GetProperty("arrivalUrl").GetString()!;
        var residentUrl = corridor.GetProperty("residentUrl").GetString()!;
        Assert.StartsWith(new Uri(hub.HttpUrl, "/m/arrive/").ToString(), arrivalUrl, StringComparison.Ordinal);
        Assert.StartsWith(new Uri(hub.HttpUrl, "/r/").ToString(), residentUrl, StringComparison.Ordinal);
        Assert.NotEqual(Token(arrivalUrl), Token(residentUrl));

        // The zone with quotes, commas and backslashes survives the token and the URL.
        var hostile = byId[TestRegistry.HostileZone];
        Assert.Equal(TestRegistry.HostileZone, (await hub.GetJsonAsync($"/api/places/sticker/{Token(hostile.GetProperty("arrivalUrl").GetString()!)}")).GetProperty("place").GetString());

        Assert.Equal(HttpStatusCode.BadRequest, (await hub.Http.GetAsync("/api/places")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await hub.Http.GetAsync("/api/places?site=nowhere")).StatusCode);
        using var anonymous = new HttpClient { BaseAddress = hub.HttpUrl };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/places?site={TestRegistry.Site}")).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await hub.Http.PostAsJsonAsync("/api/staff", new { username = "other", displayName = "other", password = "other-password", role = "operator", sites = new[] { TestRegistry.OtherSite } })).StatusCode);
        using var other = new HttpClient { BaseAddress = hub.HttpUrl };
        other.DefaultRequestHeaders.Authorization = new("Bearer", await hub.TokenAsync("other", "other-password"));
        Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync($"/api/places?site={TestRegistry.Site}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync($"/api/places/sticker/{Token(arrivalUrl)}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync($"/api/places?site={TestRegistry.OtherSite}")).StatusCode);
    }

    [Fact]
    public async Task The_printed_links_use_the_configured_public_address_and_stay_valid_across_a_restart()
    {
        var dataDir = Path.Combine(_workDir, "data");
        var settings = Settings(("Field:PublicUrl", "https://hub.jiahua.example/"));
        string before;
        await using (var hub = await HubHost.StartAsync(settings, dataDir))
        {
            before = (await hub.GetJsonAsync($"/api/places?site={TestRegistry.Site}"))[0].GetProperty("arrivalUrl").GetString()!;
            Assert.StartsWith("https://hub.jiahua.example/m/arrive/", before, StringComparison.Ordinal);
        }

        var keyFile = Path.Combine(dataDir, StickerKeyFile.FileName);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        await using (var restarted = await HubHost.StartAsync(settings, dataDir))
        {
            Assert.Equal(before, (await restarted.GetJsonAsync($"/api/places?site={TestRegistry.Site}"))[0].GetProperty("arrivalUrl").GetString());
        }

        // A damaged key is not silently replaced: that would void every sticker on the walls.
        File.WriteAllText(keyFile, "not a key");
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => HubHost.StartAsync(settings, dataDir));
        Assert.Contains("sticker key", refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_the_sticker_of_the_alerts_own_place_proves_arrival()
    {
        await using var hub = await HubHost.StartAsync(Settings());
        var places = (await hub.GetJsonAsync($"/api/places?site={TestRegistry.Site}")).EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!);
        var corridorArrival = Token(places[TestRegistry.CorridorPlace].GetProperty("arrivalUrl").GetString()!);
        var corridorResident = Token(places[TestRegistry.CorridorPlace].GetProperty("residentUrl").GetString()!);
        var zoneArrival = Token(places["grid-2"].GetProperty("arrivalUrl").GetString()!);

        var charger = await hub.ConnectDeviceAsync("chg-2");
        await HubHost.PublishAsync(charger, "rp/testsite/charger/chg-2/telemetry", """{"circuit":"station","tempC":82}""");
        var raised = await Eventually.BecomesAsync(() => hub.GetJsonAsync("/api/alerts?state=open"), a => a.GetArrayLength() == 1, what: "overheat alert");
        var id = raised[0].GetProperty("id").GetString()!;
        Assert.Equal((TestRegistry.CorridorPlace, "2栋3楼走廊"), (raised[0].GetProperty("place").GetString(), raised[0].GetProperty("placeName").GetString()));

        // The sticker page of the place lists the alert; the zone's own sticker page does not.
        var atCorridor = await hub.GetJsonAsync($"/api/places/sticker/{corridorArrival}");
        Assert.Equal([id], atCorridor.GetProperty("openAlerts").EnumerateArray().Select(a => a.GetProperty("id").GetString()));
        Assert.Equal(0, (await hub.GetJsonAsync($"/api/places/sticker/{zoneArrival}")).GetProperty("openAlerts").GetArrayLength());

        // Another place's sticker, even in the same zone: refused, naming both places.
        var wrong = await hub.Http.PostAsJsonAsync($"/api/alerts/{id}/arrive", new { place = zoneArrival });
        var wrongBody = await wrong.Content.ReadAsStringAsync();
        Assert.True(wrong.StatusCode == HttpStatusCode.Conflict, wrongBody);
        Assert.Contains("Wrong place", wrongBody, StringComparison.Ordinal);
        Assert.Contains("2栋3楼走廊", wrongBody, StringComparison.Ordinal);

        // A resident's link of the right place does not prove a worker's arrival.
        await AssertPlaceRefusedAsync(hub, id, corridorResident, "not printed by this hub for staff arrivals");
        // The zone's token with the corridor's signature, and a token edited to name the corridor: forged.
        await AssertPlaceRefusedAsync(hub, id, $"{zoneArrival.Split('.')[0]}.{corridorArrival.Split('.')[1]}", "not printed by this hub");
        var edited = Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{TestRegistry.Site}\ngrid-2\n{TestRegistry.CorridorPlace}"));
        await AssertPlaceRefusedAsync(hub, id, $"{edited}.{zoneArrival.Split('.')[1]}", "not printed by this hub");
        await AssertPlaceRefusedAsync(hub, id, "nonsense", "not the link of a place sticker");
        // A sticker of another hub (its own key) names the same place but is not this hub's.
        await using (var otherHub = await HubHost.StartAsync(Settings(), Path.Combine(_workDir, "other-hub")))
        {
            var foreign = Token((await otherHub.GetJsonAsync($"/api/places?site={TestRegistry.Site}")).EnumerateArray()
                .Single(p => p.GetProperty("id").GetString() == TestRegistry.CorridorPlace).GetProperty("arrivalUrl").GetString()!);
            Assert.NotEqual(corridorArrival, foreign);
            await AssertPlaceRefusedAsync(hub, id, foreign, "not printed by this hub");
        }

        var bothGiven = await hub.Http.PostAsJsonAsync($"/api/alerts/{id}/arrive", new { place = corridorArrival, reason = "and a reason" });
        Assert.Equal(HttpStatusCode.BadRequest, bothGiven.StatusCode);

        var arrived = await hub.Http.PostAsJsonAsync($"/api/alerts/{id}/arrive", new { place = corridorArrival });
        var body = await arrived.Content.ReadAsStringAsync();
        Assert.True(arrived.StatusCode == HttpStatusCode.OK, body);
        var alert = JsonDocument.Parse(body).RootElement;
        Assert.Equal(("sticker", HubHost.AdminUser), (alert.GetProperty("arrivalProof").GetString(), alert.GetProperty("arrivedBy").GetString()));
        var history = (await hub.GetJsonAsync($"/api/alerts/{id}")).GetProperty("history").EnumerateArray().ToArray();
        Assert.Equal(("arrived", $"sticker: {TestRegistry.CorridorPlace}"), (history[^1].GetProperty("action").GetString(), history[^1].GetProperty("note").GetString()));
        Assert.Equal(HttpStatusCode.Conflict, (await hub.Http.PostAsJsonAsync($"/api/alerts/{id}/arrive", new { place = corridorArrival })).StatusCode);
        await charger.DisconnectAsync();
    }

    [Fact]
    public async Task The_sticker_sheet_and_the_arrival_page_are_for_signed_in_staff()
    {
        await using var hub = await HubHost.StartAsync(Settings());
        var places = (await hub.GetJsonAsync($"/api/places?site={TestRegistry.Site}")).EnumerateArray().ToArray();
        var sheet = await hub.Http.GetAsync($"/stickers.html?site={TestRegistry.Site}");
        var html = await sheet.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, sheet.StatusCode);
        Assert.Equal("text/html", sheet.Content.Headers.ContentType?.MediaType);
        // One sticker per place, each with two QR codes, and no markup from the registry's names.
        Assert.Equal(places.Length, CountOf(html, "<section class=\"sticker\""));
        Assert.Equal(2 * places.Length, CountOf(html, "src=\"data:image/svg+xml;base64,"));
        Assert.Contains("2栋3楼走廊", html, StringComparison.Ordinal);
        Assert.DoesNotContain(TestRegistry.HostileZone, html, StringComparison.Ordinal);
        Assert.Contains("grid 1,a=b&quot;c\\d", html, StringComparison.Ordinal);

        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = hub.HttpUrl };
        var toLogin = await browser.GetAsync($"/stickers.html?site={TestRegistry.Site}");
        Assert.Equal(HttpStatusCode.Redirect, toLogin.StatusCode);
        Assert.StartsWith("/login.html?next=", toLogin.Headers.Location?.OriginalString, StringComparison.Ordinal);
        var arrivalPath = new Uri(places[0].GetProperty("arrivalUrl").GetString()!).PathAndQuery;
        var arrivalToLogin = await browser.GetAsync(arrivalPath);
        Assert.Equal(HttpStatusCode.Redirect, arrivalToLogin.StatusCode);
        Assert.Equal($"/login.html?next={Uri.EscapeDataString(arrivalPath)}", arrivalToLogin.Headers.Location?.OriginalString);

        using var desk = await DeskSession.LoginAsync(hub.HttpUrl, HubHost.AdminUser, HubHost.AdminPassword);
        var page = await desk.GetAsync(arrivalPath);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("/js/arrive.js", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static string Token(string url) => url[(url.LastIndexOf('/') + 1)..];

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, string.Empty, StringComparison.Ordinal).Length) / part.Length;

    private static async Task AssertPlaceRefusedAsync(HubHost hub, string id, string token, string expected)
    {
        var response = await hub.Http.PostAsJsonAsync($"/api/alerts/{id}/arrive", new { place = token });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
        var errors = JsonDocument.Parse(body).RootElement.GetProperty("errors").GetProperty("place");
        Assert.Contains(expected, errors[0].GetString(), StringComparison.Ordinal);
    }
}
