using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RedProperty.Iot.Hub.Field;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>Residents report from a place's sticker without a login, follow their report, and cannot flood or forge.</summary>
public sealed class ResidentReportTests : IDisposable
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("rp-test-").FullName;

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    private static string Token(string url) => url[(url.LastIndexOf('/') + 1)..];

    [Fact]
    public async Task A_report_becomes_an_alert_at_its_place_the_resident_follows_it_and_a_duplicate_merges()
    {
        await using var hub = await HubHost.StartAsync(new Dictionary<string, string?> { ["Hub:Registry"] = TestRegistry.Write(_workDir), ["Influx:Version"] = "none" });
        var places = (await hub.GetJsonAsync($"/api/places?site={TestRegistry.Site}")).EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!);
        var resident = Token(places[TestRegistry.CorridorPlace].GetProperty("residentUrl").GetString()!);
        var staffSticker = Token(places[TestRegistry.CorridorPlace].GetProperty("arrivalUrl").GetString()!);
        using var anonymous = new HttpClient { BaseAddress = hub.HttpUrl };

        // The residents' page and what it shows, without a login.
        var page = await anonymous.GetAsync($"/r/{resident}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("/js/resident.js", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var place = await anonymous.GetFromJsonAsync<JsonElement>($"/api/resident-reports/place/{resident}");
        Assert.Equal("2栋3楼走廊", place.GetProperty("placeName").GetString());

        var created = await anonymous.PostAsJsonAsync("/api/resident-reports", new { place = resident, category = "light_out", text = "三楼走廊灯一直不亮", phone = "138 0013 8000" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var trackingUrl = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("trackingUrl").GetString()!;
        Assert.StartsWith(new Uri(hub.HttpUrl, "/r/t/").ToString(), trackingUrl, StringComparison.Ordinal);

        var alerts = await hub.GetJsonAsync("/api/alerts?state=open&type=resident_report");
        var alert = Assert.Single(alerts.EnumerateArray());
        Assert.Equal((TestRegistry.CorridorPlace, "grid-2", "minor", "三楼走廊灯一直不亮", "resident"),
            (alert.GetProperty("place").GetString(), alert.GetProperty("zone").GetString(), alert.GetProperty("severity").GetString(), alert.GetProperty("message").GetString(), alert.GetProperty("kind").GetString()));
        // The same promise as a critical alert: someone on site within 30 minutes; only a person closes it.
        Assert.Equal(JsonValueKind.String, alert.GetProperty("arriveDueAt").ValueKind);
        Assert.Equal("staff", alert.GetProperty("clearing").GetString());
        // The phone number is kept with the report, not spread with the alert.
        Assert.DoesNotContain("138", alert.GetRawText(), StringComparison.Ordinal);

        // The neighbour reports the same lamp: one alert, counted twice, each resident with their own link.
        var again = await anonymous.PostAsJsonAsync("/api/resident-reports", new { place = resident, category = "light_out" });
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        var secondUrl = (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("trackingUrl").GetString()!;
        Assert.NotEqual(trackingUrl, secondUrl);
        alert = Assert.Single((await hub.GetJsonAsync("/api/alerts?state=open&type=resident_report")).EnumerateArray());
        Assert.Equal(2, alert.GetProperty("count").GetInt32());
        // Another category at the same place is another alert.
        Assert.Equal(HttpStatusCode.Created, (await anonymous.PostAsJsonAsync("/api/resident-reports", new { place = resident, category = "smoke", text = "有焦味" })).StatusCode);
        Assert.Equal(2, (await hub.GetJsonAsync("/api/alerts?state=open&type=resident_report")).GetArrayLength());

        // The resident follows the report through every step; they see a display name, never a username.
        var id = alert.GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await hub.Http.PostAsJsonAsync("/api/staff", new { username = "wang", displayName = "网格员小王", password = "wang-password", role = "operator", sites = new[] { TestRegistry.Site } })).StatusCode);
        using var wang = new HttpClient { BaseAddress = hub.HttpUrl };
        wang.DefaultRequestHeaders.Authorization = new("Bearer", await hub.TokenAsync("wang", "wang-password"));
        var track = await TrackAsync(anonymous, trackingUrl);
        Assert.Equal(("active", JsonValueKind.Null), (track.GetProperty("state").GetString(), track.GetProperty("respondedAt").ValueKind));
        (await wang.PostAsync($"/api/alerts/{id}/on-the-way", null)).EnsureSuccessStatusCode();
        (await wang.PostAsJsonAsync($"/api/alerts/{id}/arrive", new { place = staffSticker })).EnsureSuccessStatusCode();
        (await wang.PostAsJsonAsync($"/api/alerts/{id}/resolve", new { note = "换了灯管" })).EnsureSuccessStatusCode();
        track = await TrackAsync(anonymous, secondUrl);
        Assert.Equal("resolved", track.GetProperty("state").GetString());
        Assert.All(new[] { "respondedAt", "onTheWayAt", "onSiteAt", "resolvedAt" }, step => Assert.Equal(JsonValueKind.String, track.GetProperty(step).ValueKind));
        Assert.Equal(("网格员小王", "换了灯管", "2栋3楼走廊"), (track.GetProperty("responder").GetString(), track.GetProperty("resolution").GetString(), track.GetProperty("placeName").GetString()));
        Assert.DoesNotContain("wang\"", track.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("138", track.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/r/t/not-a-report") { Headers = { { "Accept", "application/json" } } })).StatusCode);
        var trackPage = await anonymous.GetStringAsync(new Uri(trackingUrl).PathAndQuery);
        Assert.Contains("/js/track.js", trackPage, StringComparison.Ordinal);

        // The service-quality figures so far count them: two jobs at the corridor (the dark lamp from two
        // residents, the smell from one), one of them with someone on site.
        var now = DateTimeOffset.UtcNow;
        var period = $"from={now.AddDays(-1):yyyy-MM-ddTHH:mm:ssZ}&to={now.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}";
        var residents = (await hub.GetJsonAsync($"/api/reports/service-quality?site={TestRegistry.Site}&{period}")).GetProperty("residents");
        Assert.Equal((2, 3), (residents.GetProperty("all").GetProperty("alerts").GetInt32(), residents.GetProperty("all").GetProperty("reports").GetInt32()));
        var light = residents.GetProperty("byCategory").GetProperty("light_out");
        Assert.Equal((1, 2, 1.0), (light.GetProperty("alerts").GetInt32(), light.GetProperty("reports").GetInt32(), light.GetProperty("shareOnSiteWithinSla").GetDouble()));
        var byPlace = residents.GetProperty("byPlace").GetProperty(TestRegistry.CorridorPlace);
        Assert.Equal(("2栋3楼走廊", 2), (byPlace.GetProperty("name").GetString(), byPlace.GetProperty("activations").GetInt32()));
        Assert.Equal([TestRegistry.CorridorPlace], residents.GetProperty("repeatPlaces").EnumerateArray().Select(p => p.GetString()));
        var csv = await hub.Http.GetStringAsync($"/api/reports/service-quality?site={TestRegistry.Site}&{period}&format=csv");
        Assert.Contains($"residents.byPlace.reports,{TestRegistry.CorridorPlace},3", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forged_or_staff_stickers_bad_fields_and_floods_are_refused_saying_why()
    {
        await using var hub = await HubHost.StartAsync(new Dictionary<string, string?> { ["Hub:Registry"] = TestRegistry.Write(_workDir), ["Influx:Version"] = "none" });
        var corridor = (await hub.GetJsonAsync($"/api/places?site={TestRegistry.Site}")).EnumerateArray().Single(p => p.GetProperty("id").GetString() == TestRegistry.CorridorPlace);
        var resident = Token(corridor.GetProperty("residentUrl").GetString()!);
        using var anonymous = new HttpClient { BaseAddress = hub.HttpUrl };

        await AssertInvalidAsync(anonymous, new { place = Token(corridor.GetProperty("arrivalUrl").GetString()!), category = "light_out" }, "place");
        await AssertInvalidAsync(anonymous, new { place = resident[..^2] + "AA", category = "light_out" }, "place");
        await AssertInvalidAsync(anonymous, new { place = resident, category = "ufo" }, "category");
        await AssertInvalidAsync(anonymous, new { place = resident, category = "other", text = new string('长', 501) }, "text");
        await AssertInvalidAsync(anonymous, new { place = resident, category = "other", phone = "call me maybe" }, "phone");
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/api/resident-reports/place/forged.token")).StatusCode);

        // One address may send 5 reports in 10 minutes (the refusals above count too): then 429, with when to try again.
        HttpResponseMessage last = null!;
        for (var i = 0; i < 6; i++)
        {
            last = await anonymous.PostAsJsonAsync("/api/resident-reports", new { place = resident, category = "other", text = $"第 {i} 次" });
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, last.StatusCode);
        Assert.NotNull(last.Headers.RetryAfter);
        Assert.Contains("Too many requests from this address", await last.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // Staff logins are not held up by residents' floods.
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsJsonAsync("/api/auth/token", new { username = HubHost.AdminUser, password = HubHost.AdminPassword })).StatusCode);
    }

    [Fact]
    public async Task Every_public_read_is_rate_limited_per_address_and_one_place_takes_at_most_20_reports_an_hour()
    {
        await using var hub = await HubHost.StartAsync(new Dictionary<string, string?> { ["Hub:Registry"] = TestRegistry.Write(_workDir), ["Influx:Version"] = "none" });
        var corridor = (await hub.GetJsonAsync($"/api/places?site={TestRegistry.Site}")).EnumerateArray().Single(p => p.GetProperty("id").GetString() == TestRegistry.CorridorPlace);
        var resident = Token(corridor.GetProperty("residentUrl").GetString()!);

        // Twenty residents, each from their own address (127.0.0.10 …), report the corridor: the 21st is refused
        // for the place, whoever sends it, with when to try again; nothing more is added to the alert.
        string tracking = null!;
        for (var i = 0; i < ResidentReports.MaxPerPlacePerHour; i++)
        {
            using var neighbour = LoopbackClient.Create(hub.HttpUrl, $"127.0.0.{10 + i}");
            var created = await neighbour.PostAsJsonAsync("/api/resident-reports", new { place = resident, category = "flying_wire" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            tracking = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("trackingUrl").GetString()!;
        }

        using (var late = LoopbackClient.Create(hub.HttpUrl, "127.0.0.40"))
        {
            var refused = await late.PostAsJsonAsync("/api/resident-reports", new { place = resident, category = "light_out" });
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.Contains("20 reports in the last hour", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var alert = Assert.Single((await hub.GetJsonAsync("/api/alerts?state=open&type=resident_report")).EnumerateArray());
        Assert.Equal(ResidentReports.MaxPerPlacePerHour, alert.GetProperty("count").GetInt32());

        // One address reading the residents' page, the place and a tracking link, over and over (trying tokens):
        // after 60 reads a minute, each of the three is refused with when to try again; another address is not held up.
        using var reader = LoopbackClient.Create(hub.HttpUrl, "127.0.0.50");
        string[] reads = [$"/r/{resident}", $"/api/resident-reports/place/{resident}", new Uri(tracking).PathAndQuery];
        for (var i = 0; i < ResidentEndpoints.ReadsPerAddressPerMinute; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, reads[i % reads.Length]) { Headers = { { "Accept", "application/json" } } };
            Assert.Equal(HttpStatusCode.OK, (await reader.SendAsync(request)).StatusCode);
        }

        foreach (var path in reads.Append("/r/t/guessed-token"))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "Accept", "application/json" } } };
            var refused = await reader.SendAsync(request);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.Contains("Too many requests from this address", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var other = LoopbackClient.Create(hub.HttpUrl, "127.0.0.51");
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync($"/api/resident-reports/place/{resident}")).StatusCode);
    }

    private static async Task<JsonElement> TrackAsync(HttpClient client, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url).PathAndQuery);
        request.Headers.Add("Accept", "application/json");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task AssertInvalidAsync(HttpClient client, object body, string field)
    {
        var response = await client.PostAsJsonAsync("/api/resident-reports", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _), text);
    }
}
