using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using RedProperty.Iot.Hub.Tests.Infrastructure;
using RedProperty.Iot.Hub.Uplink;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// Actions taken at the district centre on an edge's alert go down to the edge as commands signed with the
/// centre's key, are carried out there by the alert's own methods under the edge's rules, once, and come back up.
/// Debian's mosquitto is the district broker.
/// </summary>
public sealed class CentreCommandTests : IAsyncLifetime
{
    private const string DistrictOperator = "district-op";
    private const string DistrictPassword = "district-op-password";

    /// <summary>At the centre, the other compound belongs to another property company.</summary>
    private const string OtherCompany = "蓝天物业";

    private string _workDir = null!;
    private MosquittoServer _district = null!;

    public async Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-commands-").FullName;
        _district = await MosquittoServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _district.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    private Dictionary<string, string?> EdgeSettings(string edge, string site, string brokerUrl, string centreKeyFile)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_workDir, edge)).FullName;
        return new()
        {
            ["Hub:Registry"] = TestRegistry.Write(dir),
            ["Hub:Sites:0"] = site,
            ["Influx:Version"] = "none",
            ["Alerts:Thresholds:FlyingWireSustainS"] = "1",
            ["Uplink:Url"] = brokerUrl,
            ["Uplink:ClientId"] = edge,
            ["Uplink:CentreKeyFile"] = centreKeyFile,
            ["Uplink:HeartbeatEvery"] = "00:00:05",
        };
    }

    private Dictionary<string, string?> CentreSettings()
    {
        var settings = DistrictSettings.Centre(
            TestRegistry.Write(Directory.CreateDirectory(Path.Combine(_workDir, "centre")).FullName, otherCompany: OtherCompany), _district,
            ("edge-a", TestRegistry.Site), ("edge-b", TestRegistry.OtherSite));
        settings["Centre:SilentAfter"] = "00:00:20";
        return settings;
    }

    private static async Task<HttpClient> DistrictOperatorAsync(HubHost centre, string[] sites, string role = "operator", string username = DistrictOperator)
    {
        var created = await centre.Http.PostAsJsonAsync("/api/staff", new { username, displayName = username, password = DistrictPassword, role, sites });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var client = new HttpClient { BaseAddress = centre.HttpUrl };
        client.DefaultRequestHeaders.Authorization = new("Bearer", await centre.TokenAsync(username, DistrictPassword));
        return client;
    }

    private static async Task<string> FlyingWireAsync(Func<string, Task<JsonElement>> alertsOf, IMqttClient charger, string site, string device, string circuit)
    {
        var topic = $"rp/{site}/charger/{device}/telemetry";
        await HubHost.PublishAsync(charger, topic, $$"""{"circuit":"{{circuit}}","currentA":2.0}""");
        await Task.Delay(1100);
        await HubHost.PublishAsync(charger, topic, $$"""{"circuit":"{{circuit}}","currentA":2.1}""");
        var alerts = await Eventually.BecomesAsync(() => alertsOf("/api/alerts?state=open&type=flying_wire_charging"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(10), "the flying-wire alert at the edge");
        return alerts[0].GetProperty("id").GetString()!;
    }

    private static string[] TrailOf(JsonElement detail, string by) =>
        [.. detail.GetProperty("history").EnumerateArray().Where(h => h.GetProperty("by").GetString() == by).Select(h => h.GetProperty("action").GetString()!)];

    [Fact]
    public async Task An_acknowledgement_at_the_centre_is_carried_out_by_the_edge_once_and_forged_or_unauthorised_commands_are_not()
    {
        await using var centre = await HubHost.StartAsync(CentreSettings());
        var keyFile = Path.Combine(centre.DataDir, CentreCommandKey.PublicFileName);
        Assert.True(File.Exists(keyFile), "the centre writes its public command key at start");
        await using var edge = await HubHost.StartAsync(EdgeSettings("edge-a", TestRegistry.Site, _district.Url.ToString(), keyFile));
        await using var edgeDesk = await DeskClient.ConnectAsync(edge, await edge.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword));
        await edgeDesk.WaitForAsync("snapshot");
        await using var districtDesk = await DeskClient.ConnectAsync(centre, await centre.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword));
        await districtDesk.WaitForAsync("snapshot");
        var charger = await edge.ConnectDeviceAsync("chg-1");
        var id = await FlyingWireAsync(edge.GetJsonAsync, charger, TestRegistry.Site, "chg-1", "corridor");
        await Eventually.BecomesAsync(() => centre.GetJsonAsync("/api/alerts?state=open"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(10), "the alert at the centre");

        // Refused at the centre already: a viewer (role), staff of the other compound (site), a resolve without a note.
        using var viewer = await DistrictOperatorAsync(centre, [TestRegistry.Site], role: "viewer", username: "district-viewer");
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync($"/api/alerts/{id}/ack", null)).StatusCode);
        using var stranger = await DistrictOperatorAsync(centre, [TestRegistry.OtherSite], username: "other-op");
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.PostAsync($"/api/alerts/{id}/ack", null)).StatusCode);
        using var op = await DistrictOperatorAsync(centre, [TestRegistry.Site]);
        Assert.Equal(HttpStatusCode.BadRequest, (await op.PostAsJsonAsync($"/api/alerts/{id}/resolve", new { note = " " })).StatusCode);

        // Acknowledged at the centre: carried out at the edge in the district operator's name, answered as done.
        var acknowledged = await op.PostAsJsonAsync($"/api/alerts/{id}/ack", new { note = "called the grid worker" });
        Assert.Equal(HttpStatusCode.OK, acknowledged.StatusCode);
        Assert.Equal("acknowledged", (await acknowledged.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        var atEdge = await edge.GetJsonAsync($"/api/alerts/{id}");
        Assert.Equal(("acknowledged", DistrictOperator), (atEdge.GetProperty("alert").GetProperty("state").GetString(), atEdge.GetProperty("alert").GetProperty("acknowledgedBy").GetString()));
        Assert.Equal(["acknowledged"], TrailOf(atEdge, DistrictOperator));
        Assert.Equal(JsonValueKind.String, atEdge.GetProperty("alert").GetProperty("acknowledgedAt").ValueKind);
        // Both desks see it: the edge's from its own change, the centre's from the edge's change coming up.
        await edgeDesk.WaitForAsync("alertUpdated", a => a.GetProperty("id").GetString() == id && a.GetProperty("acknowledgedBy").GetString() == DistrictOperator, TimeSpan.FromSeconds(5));
        await districtDesk.WaitForAsync("alertUpdated", a => a.GetProperty("id").GetString() == id && a.GetProperty("state").GetString() == "acknowledged", TimeSpan.FromSeconds(5));
        var atCentre = await centre.GetJsonAsync($"/api/alerts/{id}");
        Assert.Equal(JsonValueKind.Null, atCentre.GetProperty("alert").GetProperty("commands").ValueKind);
        Assert.Equal(1, await edge.MetricAsync("rp_hub_uplink_commands_total{outcome=\"done\"}"));

        // A second acknowledgement is refused by the alert itself, at the edge, and said so at the centre.
        var again = await op.PostAsync($"/api/alerts/{id}/ack", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        // Someone on the district broker who is not the centre: unsigned, signed with another key, the centre's key
        // for another edge, the centre's key with a viewer's rights, and a true command sent twice.
        using var forger = new MqttClientFactory().CreateMqttClient();
        await forger.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _district.Port).WithClientId("forger").Build());
        async Task SendAsync(byte[] payload) => await forger.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(CentreCommand.Topic(TestRegistry.Site)).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        CentreCommand Command(string action, string role = "supervisor", string edgeId = "edge-a", string? note = null) =>
            new(Guid.NewGuid().ToString("N"), edgeId, TestRegistry.Site, Guid.Parse(id), action, "mallory", role, ["*"], note, DateTimeOffset.UtcNow);
        using var centreKey = CentreCommandKey.LoadOrCreate(centre.DataDir);
        using var otherKey = CentreCommandKey.LoadOrCreate(Directory.CreateDirectory(Path.Combine(_workDir, "not-the-centre")).FullName);
        await SendAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(Command("resolve", note: "forged"), new JsonSerializerOptions(JsonSerializerDefaults.Web))));
        await SendAsync(otherKey.Seal(Command("resolve", note: "forged")));
        await SendAsync(centreKey.Seal(Command("resolve", edgeId: "edge-b", note: "forged")));
        await SendAsync(centreKey.Seal(Command("resolve", role: "viewer", note: "forged")));
        var twice = Command("assign", note: HubHost.AdminUser);
        await SendAsync(centreKey.Seal(twice));
        await SendAsync(centreKey.Seal(twice));

        await Eventually.BecomesAsync(() => edge.MetricAsync("rp_hub_uplink_commands_total{outcome=\"duplicate\"}"), n => n == 1, TimeSpan.FromSeconds(10), "the command sent twice recognised");
        Assert.Equal(2, await edge.MetricAsync("rp_hub_uplink_commands_total{outcome=\"signature\"}"));
        Assert.Equal(1, await edge.MetricAsync("rp_hub_uplink_commands_total{outcome=\"not_ours\"}"));
        Assert.Equal(1, await edge.MetricAsync("rp_hub_uplink_commands_total{outcome=\"forbidden\"}"));
        var after = await edge.GetJsonAsync($"/api/alerts/{id}");
        Assert.Equal("acknowledged", after.GetProperty("alert").GetProperty("state").GetString());
        Assert.Equal(["assigned"], TrailOf(after, "mallory"));
        await charger.DisconnectAsync();
    }

    /// <summary>
    /// The centre's outbox survives a power cut: an acknowledgement made while the centre cannot reach the district
    /// broker is stored as pending; the centre is killed with SIGKILL; after its restart it sends the command, and the
    /// edge carries it out once.
    /// </summary>
    [Fact]
    public async Task A_pending_action_survives_the_centre_killed_and_goes_down_after_its_restart()
    {
        await using var centreLink = TcpProxy.Start(_district.Port);
        var centreDir = Path.Combine(_workDir, "centre-data");
        var settings = CentreSettings();
        settings["Mqtt:ExternalUrl"] = $"mqtt://127.0.0.1:{centreLink.Port}";
        string id;
        HubHost? edge = null;
        try
        {
            await using (var centre = await HubProcess.StartAsync(centreDir, settings))
            {
                await centre.SignInAsync();
                edge = await HubHost.StartAsync(EdgeSettings("edge-a", TestRegistry.Site, _district.Url.ToString(), Path.Combine(centreDir, CentreCommandKey.PublicFileName)));
                var charger = await edge.ConnectDeviceAsync("chg-1");
                id = await FlyingWireAsync(edge.GetJsonAsync, charger, TestRegistry.Site, "chg-1", "corridor");
                await Eventually.BecomesAsync(async () => await centre.Http.GetFromJsonAsync<JsonElement>("/api/alerts"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(15), "the alert at the centre");

                // The centre loses the district broker, takes the acknowledgement (pending), and dies.
                centreLink.Refusing = true;
                centreLink.CutAll();
                var pending = await centre.Http.PostAsJsonAsync($"/api/alerts/{id}/ack", new { note = "from the district" });
                Assert.Equal(HttpStatusCode.Accepted, pending.StatusCode);
                await centre.KillAsync();
                await charger.DisconnectAsync();
            }

            Assert.Equal("active", (await edge.GetJsonAsync($"/api/alerts/{id}")).GetProperty("alert").GetProperty("state").GetString());
            centreLink.Refusing = false;
            await using var restarted = await HubProcess.StartAsync(centreDir, settings);
            await restarted.SignInAsync();
            var atEdge = await Eventually.BecomesAsync(() => edge.GetJsonAsync($"/api/alerts/{id}"), d => d.GetProperty("alert").GetProperty("state").GetString() == "acknowledged",
                TimeSpan.FromSeconds(30), "the acknowledgement carried out at the edge after the centre's restart");
            Assert.Equal([("acknowledged", "from the district")], atEdge.GetProperty("history").EnumerateArray()
                .Where(h => h.GetProperty("by").GetString() == HubHost.AdminUser).Select(h => (h.GetProperty("action").GetString(), h.GetProperty("note").GetString())));
            await Eventually.BecomesAsync(async () => await restarted.Http.GetFromJsonAsync<JsonElement>($"/api/alerts/{id}"),
                d => d.GetProperty("alert").GetProperty("state").GetString() == "acknowledged" && d.GetProperty("alert").GetProperty("commands").ValueKind == JsonValueKind.Null,
                TimeSpan.FromSeconds(20), "the centre showing it done");
        }
        finally
        {
            if (edge is not null)
            {
                await edge.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The district of the issue: edge A in this process, edge B a child process whose uplink goes through a link
    /// that is cut for 60 s, the centre here. B works on during the cut; the centre's acknowledgement made during it
    /// waits as pending and is carried out when B is back; every change of B arrives once and in order.
    /// </summary>
    [Fact]
    public async Task Two_edges_and_a_centre_with_the_uplink_of_one_cut_for_a_minute()
    {
        await using var centre = await HubHost.StartAsync(CentreSettings());
        var keyFile = Path.Combine(centre.DataDir, CentreCommandKey.PublicFileName);
        await using var linkB = TcpProxy.Start(_district.Port);
        await using var edgeA = await HubHost.StartAsync(EdgeSettings("edge-a", TestRegistry.Site, _district.Url.ToString(), keyFile));
        await using var edgeB = await HubProcess.StartAsync(Path.Combine(_workDir, "edge-b-data"), EdgeSettings("edge-b", TestRegistry.OtherSite, $"mqtt://127.0.0.1:{linkB.Port}", keyFile));
        await edgeB.SignInAsync();
        await using var districtDesk = await DeskClient.ConnectAsync(centre, await centre.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword));
        await districtDesk.WaitForAsync("snapshot");
        using var op = await DistrictOperatorAsync(centre, ["*"]);

        // An alert at each edge, each from a device on that edge's own broker, on the centre's desk.
        var chargerA = await edgeA.ConnectDeviceAsync("chg-1");
        var chargerB = await edgeB.ConnectDeviceAsync("chg-x", TestRegistry.OtherSite);
        var a1 = await FlyingWireAsync(edgeA.GetJsonAsync, chargerA, TestRegistry.Site, "chg-1", "corridor");
        var b1 = await FlyingWireAsync(p => edgeB.Http.GetFromJsonAsync<JsonElement>(p), chargerB, TestRegistry.OtherSite, "chg-x", "stairwell");
        await HubHost.PublishAsync(chargerB, $"rp/{TestRegistry.OtherSite}/charger/chg-x/telemetry", """{"circuit":"stairwell","tempC":85}""");
        var b2 = (await Eventually.BecomesAsync(() => edgeB.Http.GetFromJsonAsync<JsonElement>("/api/alerts?state=open&type=charger_overheat"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(10), "the overheat at B"))[0].GetProperty("id").GetString()!;
        foreach (var id in new[] { a1, b1, b2 })
        {
            await districtDesk.WaitForAsync("alertRaised", a => a.GetProperty("id").GetString() == id, TimeSpan.FromSeconds(10));
        }

        // Acknowledged at the centre: carried out at A.
        Assert.Equal(HttpStatusCode.OK, (await op.PostAsync($"/api/alerts/{a1}/ack", null)).StatusCode);
        Assert.Equal(["acknowledged"], TrailOf(await edgeA.GetJsonAsync($"/api/alerts/{a1}"), DistrictOperator));

        // A supervisor of company X (红星物业, compound A) sees X's compounds only: alerts, the live desk, the edges.
        using var companySupervisor = await DistrictOperatorAsync(centre, [$"company:{TestRegistry.Company}"], role: "supervisor", username: "hongxing-sup");
        Assert.Equal([a1], (await companySupervisor.GetFromJsonAsync<JsonElement>("/api/alerts")).EnumerateArray().Select(a => a.GetProperty("id").GetString()));
        Assert.Equal(HttpStatusCode.Forbidden, (await companySupervisor.GetAsync($"/api/alerts/{b1}")).StatusCode);
        Assert.Equal(["edge-a"], (await companySupervisor.GetFromJsonAsync<JsonElement>("/api/district/edges")).EnumerateArray().Select(e => e.GetProperty("edge").GetString()));
        await using (var companyDesk = await DeskClient.ConnectAsync(centre, await centre.TokenAsync("hongxing-sup", DistrictPassword)))
        {
            var (snapshot, _) = await companyDesk.WaitForAsync("snapshot");
            Assert.Equal([a1], snapshot.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("id").GetString()));
        }

        // It may grant its company, not the other one nor every site, and cannot act on the other company's alert.
        Assert.Equal(HttpStatusCode.Created, (await companySupervisor.PostAsJsonAsync("/api/staff", new { username = "hongxing-op", displayName = "op", password = DistrictPassword, role = "operator", sites = new[] { $"company:{TestRegistry.Company}" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await companySupervisor.PostAsJsonAsync("/api/staff", new { username = "lantian-op", displayName = "op", password = DistrictPassword, role = "operator", sites = new[] { $"company:{OtherCompany}" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await companySupervisor.PostAsJsonAsync("/api/staff", new { username = "all-op", displayName = "op", password = DistrictPassword, role = "operator", sites = new[] { "*" } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await centre.Http.PostAsJsonAsync("/api/staff", new { username = "nobody", displayName = "op", password = DistrictPassword, role = "operator", sites = new[] { "company:不存在物业" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await companySupervisor.PostAsync($"/api/alerts/{b2}/ack", null)).StatusCode);

        // B's uplink is cut for a minute. B goes on: b1 resolved there, its charger goes offline. At the centre
        // b2 is acknowledged: pending, shown so on the desk.
        linkB.Refusing = true;
        linkB.CutAll();
        var cutAt = DateTime.UtcNow;
        (await edgeB.Http.PostAsJsonAsync($"/api/alerts/{b1}/resolve", new { note = "unplugged the flying wire" })).EnsureSuccessStatusCode();
        await chargerB.DisconnectAsync();
        var pending = await op.PostAsync($"/api/alerts/{b2}/ack", null);
        Assert.Equal(HttpStatusCode.Accepted, pending.StatusCode);
        var command = (await pending.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("command");
        Assert.Equal(("pending", "ack", DistrictOperator), (command.GetProperty("state").GetString(), command.GetProperty("action").GetString(), command.GetProperty("by").GetString()));
        await districtDesk.WaitForAsync("alertUpdated", a => a.GetProperty("id").GetString() == b2
            && a.GetProperty("commands") is { ValueKind: JsonValueKind.Array } c && c[0].GetProperty("state").GetString() == "pending", TimeSpan.FromSeconds(5));
        Assert.Equal("active", (await edgeB.Http.GetFromJsonAsync<JsonElement>($"/api/alerts/{b2}")).GetProperty("alert").GetProperty("state").GetString());
        // Only B is flagged silent: A's heartbeats keep it heard while it has nothing to report.
        var silent = await Eventually.BecomesAsync(() => centre.GetJsonAsync("/api/district/edges"), e => e.EnumerateArray().Any(x => x.GetProperty("edge").GetString() == "edge-b" && x.GetProperty("silent").GetBoolean()),
            TimeSpan.FromSeconds(40), "edge B flagged silent");
        Assert.False(silent.EnumerateArray().Single(x => x.GetProperty("edge").GetString() == "edge-a").GetProperty("silent").GetBoolean());
        var rest = TimeSpan.FromSeconds(60) - (DateTime.UtcNow - cutAt);
        if (rest > TimeSpan.Zero)
        {
            await Task.Delay(rest);
        }

        linkB.Refusing = false;

        // Back: the pending acknowledgement is carried out at B, once; the centre has B's every change once, in order.
        await Eventually.BecomesAsync(async () => (await edgeB.Http.GetFromJsonAsync<JsonElement>($"/api/alerts/{b2}")).GetProperty("alert").GetProperty("state").GetString(),
            s => s == "acknowledged", TimeSpan.FromSeconds(40), "the centre's acknowledgement carried out at B");
        Assert.Equal(["acknowledged"], TrailOf(await edgeB.Http.GetFromJsonAsync<JsonElement>($"/api/alerts/{b2}"), DistrictOperator));
        await districtDesk.WaitForAsync("alertUpdated", a => a.GetProperty("id").GetString() == b2 && a.GetProperty("state").GetString() == "acknowledged"
            && a.GetProperty("commands").ValueKind == JsonValueKind.Null, TimeSpan.FromSeconds(10));
        static IEnumerable<(string?, string?)> StateOf(JsonElement alerts) => alerts.EnumerateArray().Select(a => (a.GetProperty("id").GetString(), a.GetProperty("state").GetString())).Order();
        var atB = StateOf(await edgeB.Http.GetFromJsonAsync<JsonElement>("/api/alerts")).ToArray();
        await Eventually.BecomesAsync(async () => StateOf(await centre.GetJsonAsync($"/api/alerts?site={TestRegistry.OtherSite}")).ToArray(), s => s.SequenceEqual(atB), TimeSpan.FromSeconds(20), "B's alerts at the centre as at B");
        var b1Trail = (await centre.GetJsonAsync($"/api/alerts/{b1}")).GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()).ToArray();
        Assert.Equal("resolved", b1Trail[^1]);
        // Every change of B (numbered 1..n in its change log, all of its own compound) applied once, in order: a
        // change whose number is not above the last applied is not applied, so applied = last = B's newest means none
        // was skipped, none applied twice.
        await Eventually.BecomesAsync(() => centre.GetJsonAsync("/api/district/edges"), e => e.EnumerateArray().Single(x => x.GetProperty("edge").GetString() == "edge-b") is var b
            && !b.GetProperty("silent").GetBoolean() && b.GetProperty("lastSeq").GetInt64() == b.GetProperty("applied").GetInt64()
            && b.GetProperty("lastSeq").GetInt64() == b.GetProperty("headSeq").GetInt64() && b.GetProperty("behindChanges").GetInt64() == 0, TimeSpan.FromSeconds(20), "edge B heard again and caught up");
        Assert.Equal(0, await edgeB.MetricAsync("rp_hub_uplink_backlog_changes"));
        await chargerA.DisconnectAsync();
    }
}
