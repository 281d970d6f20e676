using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// A district centre reads an edge hub's changes from the district broker (Debian's mosquitto) into its read
/// model: the edge's alerts under the same paths and shapes, each change applied once, nothing trusted for a site
/// its edge does not own.
/// </summary>
public sealed class CentreTests : IAsyncLifetime
{
    private string _workDir = null!;
    private MosquittoServer _district = null!;

    public async Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-centre-").FullName;
        Directory.CreateDirectory(Path.Combine(_workDir, "edge"));
        Directory.CreateDirectory(Path.Combine(_workDir, "centre"));
        _district = await MosquittoServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _district.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    private Dictionary<string, string?> EdgeSettings() => new()
    {
        ["Hub:Registry"] = TestRegistry.Write(Path.Combine(_workDir, "edge")),
        ["Influx:Version"] = "none",
        ["Alerts:Thresholds:FlyingWireSustainS"] = "1",
        ["Uplink:Url"] = _district.Url.ToString(),
        ["Uplink:ClientId"] = "edge-a",
    };

    private Dictionary<string, string?> CentreSettings() =>
        DistrictSettings.Centre(TestRegistry.Write(Path.Combine(_workDir, "centre")), _district, ("edge-a", TestRegistry.Site));

    [Fact]
    public async Task An_alert_at_the_edge_shows_at_the_centre_with_its_id_shape_and_trail_and_follows_the_edge()
    {
        await using var centre = await HubHost.StartAsync(CentreSettings());
        await using var edge = await HubHost.StartAsync(EdgeSettings());
        await using var districtDesk = await DeskClient.ConnectAsync(centre, await centre.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword));
        await districtDesk.WaitForAsync("snapshot");
        var charger = await edge.ConnectDeviceAsync("chg-1");
        var topic = $"rp/{TestRegistry.Site}/charger/chg-1/telemetry";
        await HubHost.PublishAsync(charger, topic, """{"circuit":"corridor","currentA":2.0}""");
        await Task.Delay(1100);
        await HubHost.PublishAsync(charger, topic, """{"circuit":"corridor","currentA":2.1}""");

        var atEdge = await Eventually.BecomesAsync(() => edge.GetJsonAsync("/api/alerts?state=open"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(5), "the alert at the edge");
        var id = atEdge[0].GetProperty("id").GetString()!;
        var atCentre = await Eventually.BecomesAsync(() => centre.GetJsonAsync("/api/alerts?state=open"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(10), "the alert at the centre");
        // The same alert: its edge's id, every field of the contract as the edge's desk has it.
        Assert.Equal(id, atCentre[0].GetProperty("id").GetString());
        Assert.Equal(atEdge[0].EnumerateObject().Select(p => p.Name).Order(), atCentre[0].EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(("flying_wire_charging", "active"), (atCentre[0].GetProperty("type").GetString(), atCentre[0].GetProperty("state").GetString()));
        // The district desk got it live over SignalR, numbered in the centre's own change log.
        var (live, _) = await districtDesk.WaitForAsync("alertRaised", a => a.GetProperty("id").GetString() == id, TimeSpan.FromSeconds(10));
        Assert.Equal(atCentre[0].GetProperty("seq").GetInt64(), live.GetProperty("seq").GetInt64());

        // Worked at the edge: the centre follows, with the audit trail.
        (await edge.Http.PostAsync($"/api/alerts/{id}/ack", null)).EnsureSuccessStatusCode();
        var detail = await Eventually.BecomesAsync(() => centre.GetJsonAsync($"/api/alerts/{id}"), d => d.GetProperty("alert").GetProperty("state").GetString() == "acknowledged", TimeSpan.FromSeconds(10), "the acknowledgement at the centre");
        var acknowledged = detail.GetProperty("history").EnumerateArray().Single(h => h.GetProperty("action").GetString() == "acknowledged");
        Assert.Equal(HubHost.AdminUser, acknowledged.GetProperty("by").GetString());
        var (update, _) = await districtDesk.WaitForAsync("alertUpdated", a => a.GetProperty("id").GetString() == id && a.GetProperty("state").GetString() == "acknowledged", TimeSpan.FromSeconds(10));
        // A desk that connects now, or comes back after what it saw, is shown the edge's alert too.
        await using (var later = await DeskClient.ConnectAsync(centre, await centre.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword)))
        {
            var (snapshot, _) = await later.WaitForAsync("snapshot");
            Assert.Contains(snapshot.GetProperty("alerts").EnumerateArray(), a => a.GetProperty("id").GetString() == id && a.GetProperty("state").GetString() == "acknowledged");
        }

        await using (var back = await DeskClient.ConnectAsync(centre, await centre.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword), lastSeq: live.GetProperty("seq").GetInt64()))
        {
            var (missed, _) = await back.WaitForAsync("alertUpdated", a => a.GetProperty("id").GetString() == id, TimeSpan.FromSeconds(10));
            Assert.Equal(update.GetProperty("seq").GetInt64(), missed.GetProperty("seq").GetInt64());
        }
        Assert.Single((await centre.GetJsonAsync("/api/alerts?state=acknowledged")).EnumerateArray());
        Assert.Empty((await centre.GetJsonAsync("/api/alerts?state=active")).EnumerateArray());

        // Acted on at the centre, it goes down to the edge as a command; this edge takes none (no Uplink:CentreKeyFile),
        // so it stays pending at the centre, shown on the alert, and the edge is unchanged.
        var sentDown = await centre.Http.PostAsJsonAsync($"/api/alerts/{id}/resolve", new { note = "from the centre" });
        Assert.Equal(HttpStatusCode.Accepted, sentDown.StatusCode);
        Assert.Equal("pending", (await sentDown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("command").GetProperty("state").GetString());
        var pending = Assert.Single((await centre.GetJsonAsync($"/api/alerts/{id}")).GetProperty("alert").GetProperty("commands").EnumerateArray());
        Assert.Equal(("resolve", "pending", HubHost.AdminUser), (pending.GetProperty("action").GetString(), pending.GetProperty("state").GetString(), pending.GetProperty("by").GetString()));
        Assert.Equal("acknowledged", (await edge.GetJsonAsync($"/api/alerts/{id}")).GetProperty("alert").GetProperty("state").GetString());

        // The edge as the district desk sees it.
        var edges = await centre.GetJsonAsync("/api/district/edges");
        var edgeA = Assert.Single(edges.EnumerateArray());
        Assert.Equal(("edge-a", false), (edgeA.GetProperty("edge").GetString(), edgeA.GetProperty("silent").GetBoolean()));
        Assert.Equal([TestRegistry.Site], edgeA.GetProperty("sites").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(JsonValueKind.String, edgeA.GetProperty("lastHeardAt").ValueKind);

        // A compound without an edge box reports to the district broker straight (external mode): the centre
        // raises that alert itself, and lists it with the edge's.
        using var direct = new MqttClientFactory().CreateMqttClient();
        await direct.ConnectAsync(new MqttClientOptionsBuilder().WithClientId($"{TestRegistry.OtherSite}/chg-x").WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithTcpServer("127.0.0.1", _district.Port).Build());
        var directTopic = $"rp/{TestRegistry.OtherSite}/charger/chg-x/telemetry";
        await HubHost.PublishAsync(direct, directTopic, """{"circuit":"stairwell","tempC":85}""");
        var both = await Eventually.BecomesAsync(() => centre.GetJsonAsync("/api/alerts?state=open"), a => a.GetArrayLength() == 2, TimeSpan.FromSeconds(10), "the centre's own alert beside the edge's");
        Assert.Equal([TestRegistry.OtherSite, TestRegistry.Site], both.EnumerateArray().Select(a => a.GetProperty("site").GetString()).Order(StringComparer.Ordinal));
        await direct.DisconnectAsync();

        // A member of staff of the other compound only does not see this compound's alert.
        Assert.Equal(HttpStatusCode.Created, (await centre.Http.PostAsJsonAsync("/api/staff", new { username = "other", displayName = "other", password = "other-password", role = "operator", sites = new[] { TestRegistry.OtherSite } })).StatusCode);
        using var other = new HttpClient { BaseAddress = centre.HttpUrl };
        other.DefaultRequestHeaders.Authorization = new("Bearer", await centre.TokenAsync("other", "other-password"));
        Assert.Equal([TestRegistry.OtherSite], (await other.GetFromJsonAsync<JsonElement>("/api/alerts")).EnumerateArray().Select(a => a.GetProperty("site").GetString()));
        Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync($"/api/alerts/{id}")).StatusCode);
        Assert.Empty((await other.GetFromJsonAsync<JsonElement>("/api/district/edges")).EnumerateArray());
        await charger.DisconnectAsync();
    }

    [Fact]
    public async Task A_change_sent_twice_is_applied_once_and_one_for_a_site_its_edge_does_not_own_is_dropped()
    {
        await using var centre = await HubHost.StartAsync(CentreSettings());
        var consumer = centre.Services.GetRequiredService<RedProperty.Iot.Hub.Centre.CentreConsumer>();
        await Eventually.BecomesAsync(() => Task.FromResult(consumer.IsConnected), c => c, TimeSpan.FromSeconds(10), "the centre on the district broker");
        using var publisher = new MqttClientFactory().CreateMqttClient();
        await publisher.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _district.Port).WithClientId("someone").Build());

        var id = Guid.NewGuid();
        string Change(string edge, long seq, string site, string state) => $$"""
            {"edge":"{{edge}}","seq":{{seq}},"site":"{{site}}","event":"alertUpdated","sentAt":"2026-12-03T04:00:00Z",
             "data":{"id":"{{id}}","seq":{{seq}},"site":"{{site}}","zone":"grid-2","deviceId":"chg-2","kind":"charger","type":"charger_overheat","severity":"critical","state":"{{state}}","raisedAt":"2026-12-03T03:59:00Z"},
             "trail":[{"at":"2026-12-03T03:59:00Z","action":"raised","by":"system"}]}
            """;
        async Task SendAsync(string site, string payload) =>
            await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"rp/{site}/uplink/changes").WithPayload(Encoding.UTF8.GetBytes(payload)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        await SendAsync(TestRegistry.Site, Change("edge-a", 10, TestRegistry.Site, "acknowledged"));
        await Eventually.BecomesAsync(() => centre.GetJsonAsync("/api/alerts"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(10), "the change at the centre");
        // The same change again, and an older one arriving late: the alert stays as the newest change left it.
        await SendAsync(TestRegistry.Site, Change("edge-a", 10, TestRegistry.Site, "acknowledged"));
        await SendAsync(TestRegistry.Site, Change("edge-a", 9, TestRegistry.Site, "active"));
        // Forged: edge-a speaking for a compound it does not own; an edge the centre does not know; a topic and body that disagree; not JSON.
        await SendAsync(TestRegistry.OtherSite, Change("edge-a", 11, TestRegistry.OtherSite, "active"));
        await SendAsync(TestRegistry.Site, Change("edge-x", 12, TestRegistry.Site, "resolved"));
        await SendAsync(TestRegistry.OtherSite, Change("edge-a", 13, TestRegistry.Site, "resolved"));
        await SendAsync(TestRegistry.Site, "not json");

        await Eventually.BecomesAsync(() => centre.MetricAsync("rp_hub_centre_changes_total{outcome=\"duplicate\"}"), n => n == 2, TimeSpan.FromSeconds(10), "the two resent changes recognised");
        await Eventually.BecomesAsync(() => centre.MetricAsync("rp_hub_centre_changes_refused_total{reason=\"malformed\"}"), n => n == 2, TimeSpan.FromSeconds(10), "the malformed ones dropped");
        Assert.Equal(2, await centre.MetricAsync("rp_hub_centre_changes_refused_total{reason=\"not_owner\"}"));
        var alert = Assert.Single((await centre.GetJsonAsync("/api/alerts")).EnumerateArray());
        Assert.Equal("acknowledged", alert.GetProperty("state").GetString());
        Assert.Equal(10, Assert.Single((await centre.GetJsonAsync("/api/district/edges")).EnumerateArray()).GetProperty("lastSeq").GetInt64());
    }

    [Fact]
    public async Task A_centre_killed_and_restarted_holds_the_edges_state_changes_made_meanwhile_included()
    {
        await using var edge = await HubHost.StartAsync(EdgeSettings());
        var centreDir = Path.Combine(_workDir, "centre-data");
        var charger = await edge.ConnectDeviceAsync("chg-1");
        var station = await edge.ConnectDeviceAsync("chg-2");
        await using (var centre = await HubProcess.StartAsync(centreDir, CentreSettings()))
        {
            await centre.SignInAsync();
            var topic = $"rp/{TestRegistry.Site}/charger/chg-1/telemetry";
            await HubHost.PublishAsync(charger, topic, """{"circuit":"corridor","currentA":2.0}""");
            await Task.Delay(1100);
            await HubHost.PublishAsync(charger, topic, """{"circuit":"corridor","currentA":2.1}""");
            await Eventually.BecomesAsync(async () => await centre.Http.GetFromJsonAsync<JsonElement>("/api/alerts"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(15), "the alert at the centre");

            // The centre dies (power cut) while the edge goes on: an acknowledgement, a second alert.
            await centre.KillAsync();
        }

        var first = (await edge.GetJsonAsync("/api/alerts"))[0].GetProperty("id").GetString();
        (await edge.Http.PostAsync($"/api/alerts/{first}/ack", null)).EnsureSuccessStatusCode();
        await HubHost.PublishAsync(station, $"rp/{TestRegistry.Site}/charger/chg-2/telemetry", """{"circuit":"station","tempC":82}""");
        await Eventually.BecomesAsync(() => edge.GetJsonAsync("/api/alerts"), a => a.GetArrayLength() == 2, TimeSpan.FromSeconds(10), "the second alert at the edge");

        await using var restarted = await HubProcess.StartAsync(centreDir, CentreSettings());
        await restarted.SignInAsync();
        static IEnumerable<(string?, string?, string?)> StateOf(JsonElement alerts) =>
            alerts.EnumerateArray().Select(a => (a.GetProperty("id").GetString(), a.GetProperty("state").GetString(), a.GetProperty("type").GetString())).Order();
        var atEdge = StateOf(await edge.GetJsonAsync("/api/alerts")).ToArray();
        await Eventually.BecomesAsync(async () => StateOf(await restarted.Http.GetFromJsonAsync<JsonElement>("/api/alerts")).ToArray(), a => a.SequenceEqual(atEdge), TimeSpan.FromSeconds(20), "the centre's read model equal to the edge's alerts");
        await charger.DisconnectAsync();
        await station.DisconnectAsync();
    }

    [Fact]
    public async Task The_edges_monthly_close_puts_their_compounds_on_the_district_ranking_with_the_published_scores()
    {
        var shanghai = TimeSpan.FromHours(8);
        var centreSettings = CentreSettings();
        centreSettings["Centre:Edges:edge-b:0"] = TestRegistry.OtherSite;
        await using var centre = await HubHost.StartAsync(centreSettings);

        // Two edge boxes, one per compound, each closing its own October on its own clock.
        async Task<HubHost> EdgeAsync(string edgeId, string site)
        {
            var settings = EdgeSettings();
            settings["Hub:Registry"] = TestRegistry.Write(Directory.CreateDirectory(Path.Combine(_workDir, edgeId)).FullName);
            settings["Hub:Sites:0"] = site;
            settings["Uplink:ClientId"] = edgeId;
            settings["Alerts:Thresholds:OfflineIntervals"] = "1000000";
            var clock = new FakeTimeProvider(new DateTimeOffset(2026, 10, 15, 9, 0, 0, shanghai));
            var edge = await HubHost.StartAsync(settings, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
            clock.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 30, 0, shanghai));
            edge.Http.DefaultRequestHeaders.Authorization = new("Bearer", await edge.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword));
            return edge;
        }

        await using var edgeA = await EdgeAsync("edge-a", TestRegistry.Site);
        await using var edgeB = await EdgeAsync("edge-b", TestRegistry.OtherSite);
        var edgeOf = new Dictionary<string, HubHost> { [TestRegistry.Site] = edgeA, [TestRegistry.OtherSite] = edgeB };
        static IEnumerable<(string?, string?, string?)> Hashes(IEnumerable<JsonElement> list) =>
            list.Select(r => (r.GetProperty("site").GetString(), r.GetProperty("month").GetString(), r.GetProperty("sha256").GetString())).Order();
        var atEdges = new List<JsonElement>();
        foreach (var edge in edgeOf.Values)
        {
            atEdges.Add(Assert.Single((await Eventually.BecomesAsync(() => edge.GetJsonAsync("/api/reports/monthly"), r => r.GetArrayLength() == 1, TimeSpan.FromSeconds(15), "the edge's October report")).EnumerateArray()));
        }

        var atCentre = await Eventually.BecomesAsync(() => centre.GetJsonAsync("/api/reports/monthly"), r => r.GetArrayLength() == 2, TimeSpan.FromSeconds(30), "the October reports at the centre");
        Assert.Equal(Hashes(atEdges), Hashes(atCentre.EnumerateArray()));

        // The district ranking lists both compounds with the scores their edges published.
        var ranking = await centre.GetJsonAsync("/api/reports/ranking?month=2026-10");
        var ranked = ranking.GetProperty("sites").EnumerateArray().ToDictionary(s => s.GetProperty("site").GetString()!, s => s.GetProperty("score").GetDouble());
        Assert.Equal([TestRegistry.OtherSite, TestRegistry.Site], ranked.Keys.Order(StringComparer.Ordinal));
        foreach (var (site, edge) in edgeOf)
        {
            var snapshot = await edge.GetJsonAsync($"/api/reports/monthly/{site}/2026-10");
            Assert.Equal(snapshot.GetProperty("score").GetDouble(), ranked[site]);
        }

        // The company that runs both compounds: the mean of their scores.
        var company = Assert.Single(ranking.GetProperty("companies").EnumerateArray());
        Assert.Equal((TestRegistry.Company, Math.Round((ranked[TestRegistry.Site] + ranked[TestRegistry.OtherSite]) / 2, 1), 1),
            (company.GetProperty("company").GetString(), company.GetProperty("score").GetDouble(), company.GetProperty("rank").GetInt32()));
        Assert.Equal([TestRegistry.OtherSite, TestRegistry.Site], company.GetProperty("sites").EnumerateArray().Select(s => s.GetString()));

        // A month no edge has reported is not scored as perfect at the centre: nobody is ranked.
        var september = await centre.GetJsonAsync("/api/reports/ranking?month=2026-09");
        Assert.Empty(september.GetProperty("sites").EnumerateArray());
        // Figures of an edge's compound are at the edge: the centre says where.
        Assert.Equal(HttpStatusCode.MisdirectedRequest, (await centre.Http.GetAsync($"/api/reports/service-quality?site={TestRegistry.Site}&month=2026-10")).StatusCode);
    }

    [Fact]
    public async Task A_centre_without_the_district_broker_or_with_an_edge_of_an_unknown_compound_does_not_start()
    {
        var settings = CentreSettings();
        settings["Mqtt:Mode"] = "embedded";
        var error = await Assert.ThrowsAnyAsync<Exception>(() => HubHost.StartAsync(settings));
        Assert.Contains("Hub:Role=centre needs Mqtt:Mode=external", error.Message, StringComparison.Ordinal);

        // An edge listed for a compound the centre's registry does not have.
        settings = CentreSettings();
        settings["Centre:Edges:edge-b:0"] = "nowhere";
        var unknown = await Assert.ThrowsAnyAsync<Exception>(() => HubHost.StartAsync(settings));
        Assert.Contains("Centre:Edges names site(s) the registry does not have: nowhere", unknown.Message, StringComparison.Ordinal);
    }
}
