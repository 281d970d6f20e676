using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using RedProperty.Iot.Hub.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>Two hub instances on one Mosquitto, each owning one site, sharing the desk through a Redis backplane.</summary>
[Collection("heavy")]
public sealed class ScaleOutTests : IAsyncLifetime
{
    private static readonly RedisChannel Commands = RedisChannel.Literal("rp-alerts:commands");
    private readonly string _commandKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly string _stickerKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private string _workDir = null!;
    private MosquittoServer _broker = null!;
    private RedisServer _redis = null!;

    public async Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-scale-").FullName;
        _broker = await MosquittoServer.StartAsync();
        // Redis as docs/scale-out.md asks for it: a login for the hubs, limited to their channels.
        _redis = await RedisServer.StartAsync(hubUser: "rp-hub");
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _broker.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task A_desk_on_instance_A_sees_instance_Bs_alert_and_acknowledging_it_through_A_reaches_Bs_store()
    {
        var registry = TestRegistry.Write(_workDir);
        await using var a = await HubHost.StartAsync(Settings(registry, "hub-a", TestRegistry.OtherSite));
        await using var b = await HubHost.StartAsync(Settings(registry, "hub-b", TestRegistry.Site));
        await using var desk = await DeskClient.ConnectAsync(a, await a.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword));
        await desk.WaitForAsync("snapshot");

        // A camera of B's site (testsite) reports tampering, through the shared broker.
        using var camera = new MqttClientFactory().CreateMqttClient();
        await camera.ConnectAsync(new MqttClientOptionsBuilder().WithClientId($"{TestRegistry.Site}/cam-1").WithProtocolVersion(MqttProtocolVersion.V500).WithTcpServer("127.0.0.1", _broker.Port).Build());
        await camera.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"rp/{TestRegistry.Site}/camera/cam-1/telemetry").WithPayload("""{"online":true,"tamper":true}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var (raised, _) = await desk.WaitForAsync("alertRaised", p => p.GetProperty("type").GetString() == "camera_tamper", TimeSpan.FromSeconds(15));
        var id = raised.GetProperty("id").GetString();
        Assert.Equal(TestRegistry.Site, raised.GetProperty("site").GetString());
        Assert.Equal(0, (await a.GetJsonAsync("/api/alerts")).GetArrayLength()); // it is B's alert, in B's store

        // Acknowledged through A: carried out by B, in B's store, and pushed to the desk on A.
        using var ack = await a.Http.PostAsJsonAsync($"/api/alerts/{id}/ack", new { note = "guard sent" });
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        var stored = await b.GetJsonAsync($"/api/alerts/{id}");
        Assert.Equal(("acknowledged", HubHost.AdminUser), (stored.GetProperty("alert").GetProperty("state").GetString(), stored.GetProperty("alert").GetProperty("acknowledgedBy").GetString()));
        await desk.WaitForAsync("alertUpdated", p => p.GetProperty("id").GetString() == id && p.GetProperty("state").GetString() == "acknowledged", TimeSpan.FromSeconds(10));

        // Reports come from the instance that has the site's alerts; the other says so instead of showing perfect figures.
        using var misdirected = await a.Http.GetAsync($"/api/reports/service-quality?site={TestRegistry.Site}");
        Assert.Equal(HttpStatusCode.MisdirectedRequest, misdirected.StatusCode);
        // A ranks its own site: this month so far; last month (before A's first record) it has no records, so it is not ranked.
        var thisMonth = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TestRegistry.OtherSite, Assert.Single((await a.GetJsonAsync($"/api/reports/ranking?month={thisMonth}")).GetProperty("sites").EnumerateArray()).GetProperty("site").GetString());
        var lastMonth = await a.GetJsonAsync("/api/reports/ranking");
        Assert.Empty(lastMonth.GetProperty("sites").EnumerateArray());
        Assert.Equal(TestRegistry.OtherSite, Assert.Single(lastMonth.GetProperty("noRecords").EnumerateArray()).GetProperty("site").GetString());
        Assert.Equal(1, (await b.GetJsonAsync($"/api/reports/service-quality?site={TestRegistry.Site}&from={DateTimeOffset.UtcNow.AddHours(-1):O}&to={DateTimeOffset.UtcNow.AddHours(1):O}".Replace("+", "%2B"))).GetProperty("alerts").GetProperty("raised").GetInt32());

        // Details too come from the owner; an alert no instance has is still 404.
        var detail = await a.GetJsonAsync($"/api/alerts/{id}");
        Assert.Equal("acknowledged", detail.GetProperty("alert").GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await a.Http.PostAsJsonAsync($"/api/alerts/{Guid.NewGuid()}/ack", new { })).StatusCode);

        // The field steps go the same way: set out and arrive (confirmed by the desk) through A, carried out by B.
        using (var setOut = await a.Http.PostAsync($"/api/alerts/{id}/on-the-way", null))
        {
            Assert.Equal(HttpStatusCode.OK, setOut.StatusCode);
        }

        using (var noReason = await a.Http.PostAsJsonAsync($"/api/alerts/{id}/arrive", new { reason = " " }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
            Assert.Contains("\"reason\"", await noReason.Content.ReadAsStringAsync());
        }

        // Stickers printed from A (the instances share Field:StickerKey): B checks the token again and the place.
        var places = (await a.GetJsonAsync($"/api/places?site={TestRegistry.Site}")).EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!, p => p.GetProperty("arrivalUrl").GetString()!);
        using (var wrongPlace = await a.Http.PostAsJsonAsync($"/api/alerts/{id}/arrive", new { place = places["grid-2"].Split('/')[^1] }))
        {
            Assert.Equal(HttpStatusCode.Conflict, wrongPlace.StatusCode);
            Assert.Contains("Wrong place", await wrongPlace.Content.ReadAsStringAsync());
        }

        using (var arrive = await a.Http.PostAsJsonAsync($"/api/alerts/{id}/arrive", new { place = places["lift-1"].Split('/')[^1] }))
        {
            Assert.Equal(HttpStatusCode.OK, arrive.StatusCode);
        }

        // Reassigned through A: B checks who may take it.
        using (var assign = await a.Http.PostAsJsonAsync($"/api/alerts/{id}/assign", new { to = HubHost.AdminUser }))
        {
            Assert.Equal(HttpStatusCode.OK, assign.StatusCode);
        }

        using (var nobody = await a.Http.PostAsJsonAsync($"/api/alerts/{id}/assign", new { to = "nobody" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, nobody.StatusCode);
        }

        // A resident's report for B's site sent to A is turned away: its alert would not be one of the site's.
        using (var staffToken = await a.Http.PostAsJsonAsync("/api/resident-reports", new { place = places["lift-1"].Split('/')[^1], category = "elevator" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, staffToken.StatusCode); // a staff sticker is not a residents' one
        }

        var residentToken = (await a.GetJsonAsync($"/api/places?site={TestRegistry.Site}")).EnumerateArray().Single(p => p.GetProperty("id").GetString() == "lift-1").GetProperty("residentUrl").GetString()!.Split('/')[^1];
        using (var elsewhere = await a.Http.PostAsJsonAsync("/api/resident-reports", new { place = residentToken, category = "elevator" }))
        {
            Assert.Equal(HttpStatusCode.MisdirectedRequest, elsewhere.StatusCode);
        }

        using (var owned = await b.Http.PostAsJsonAsync("/api/resident-reports", new { place = residentToken, category = "elevator" }))
        {
            Assert.Equal(HttpStatusCode.Created, owned.StatusCode);
        }

        var onSite = (await b.GetJsonAsync($"/api/alerts/{id}")).GetProperty("alert");
        Assert.Equal(HubHost.AdminUser, onSite.GetProperty("assignedTo").GetString());
        Assert.Equal((HubHost.AdminUser, HubHost.AdminUser, "sticker"), (onSite.GetProperty("onTheWayBy").GetString(), onSite.GetProperty("arrivedBy").GetString(), onSite.GetProperty("arrivalProof").GetString()));
        Assert.Equal(HttpStatusCode.Conflict, (await a.Http.PostAsJsonAsync($"/api/alerts/{id}/arrive", new { reason = "again" })).StatusCode);
    }

    private Dictionary<string, string?> Settings(string registry, string clientId, string site) => new()
    {
        ["Hub:Registry"] = registry,
        ["Hub:Sites:0"] = site,
        ["Influx:Version"] = "none",
        ["Mqtt:Mode"] = "external",
        ["Mqtt:ExternalUrl"] = $"mqtt://127.0.0.1:{_broker.Port}",
        ["Mqtt:ClientId"] = clientId,
        ["SignalR:Redis"] = _redis.ConnectionString,
        ["SignalR:CommandKey"] = _commandKey,
        ["Field:StickerKey"] = _stickerKey,
        // A camera's tamper alert clears after 1 s of a normal picture, so the test can reopen it.
        ["Alerts:Thresholds:TamperClearS"] = "1",
    };

    [Fact]
    public async Task Commands_published_on_redis_without_the_instances_key_or_replayed_change_nothing_and_forged_replies_are_ignored()
    {
        var registry = TestRegistry.Write(_workDir);
        await using var a = await HubHost.StartAsync(Settings(registry, "hub-a", TestRegistry.OtherSite));
        await using var b = await HubHost.StartAsync(Settings(registry, "hub-b", TestRegistry.Site));

        // Whoever can reach Redis: reads every command on the channel and publishes what it likes.
        await using var intruder = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        var seen = new ConcurrentQueue<string>();
        (await intruder.GetSubscriber().SubscribeAsync(Commands)).OnMessage(m => seen.Enqueue((string)m.Message!));

        using var camera = new MqttClientFactory().CreateMqttClient();
        await camera.ConnectAsync(new MqttClientOptionsBuilder().WithClientId($"{TestRegistry.Site}/cam-1").WithProtocolVersion(MqttProtocolVersion.V500).WithTcpServer("127.0.0.1", _broker.Port).Build());
        Task Tamper(bool on) => camera.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"rp/{TestRegistry.Site}/camera/cam-1/telemetry").WithPayload($$"""{"online":true,"tamper":{{(on ? "true" : "false")}}}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await Tamper(true);
        var alerts = await Eventually.BecomesAsync(() => b.GetJsonAsync("/api/alerts?type=camera_tamper"), x => x.GetArrayLength() == 1, TimeSpan.FromSeconds(15), "B's tamper alert");
        var id = alerts[0].GetProperty("id").GetString()!;

        // Unsigned (the old format), signed with another key, and signed with the right key but 40 s old.
        var publisher = intruder.GetSubscriber();
        await publisher.PublishAsync(Commands, Command(id, "mallory", DateTimeOffset.UtcNow).ToJsonString());
        await publisher.PublishAsync(Commands, Sealed("command", Command(id, "mallory", DateTimeOffset.UtcNow).ToJsonString(), RandomNumberGenerator.GetBytes(32)));
        await publisher.PublishAsync(Commands, Sealed("command", Command(id, "mallory", DateTimeOffset.UtcNow.AddSeconds(-40)).ToJsonString(), Convert.FromBase64String(_commandKey)));
        await AssertStillActiveAsync(b, id, refusals: 3);

        // An operator's own acknowledgement through A still reaches B's store.
        using (var ack = await a.Http.PostAsJsonAsync($"/api/alerts/{id}/ack", new { note = "guard sent" }))
        {
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        }

        Assert.Equal(HubHost.AdminUser, (await b.GetJsonAsync($"/api/alerts/{id}")).GetProperty("alert").GetProperty("acknowledgedBy").GetString());
        var captured = Assert.Single(seen, m => m.Contains("guard sent", StringComparison.Ordinal));

        // The picture is normal for a second (the alert clears), then covered again: the same alert reopens, active.
        await Tamper(false);
        await Task.Delay(1200);
        await Tamper(false);
        await Eventually.BecomesAsync(() => b.GetJsonAsync($"/api/alerts/{id}"), x => x.GetProperty("alert").GetProperty("state").GetString() == "resolved", TimeSpan.FromSeconds(10), "cleared");
        await Tamper(true);
        await Eventually.BecomesAsync(() => b.GetJsonAsync($"/api/alerts/{id}"), x => x.GetProperty("alert").GetProperty("state").GetString() == "active", TimeSpan.FromSeconds(10), "reopened");

        // The captured acknowledgement, published again as it was, does not acknowledge the reopened alert.
        await publisher.PublishAsync(Commands, captured);
        await AssertStillActiveAsync(b, id, refusals: 4);


        // A reply forged for A's question about an alert nobody has: A still says 404, not the intruder's answer.
        var forging = Task.Run(async () =>
        {
            var command = await Eventually.BecomesAsync(() => Task.FromResult(seen.Select(Body).LastOrDefault(c => c["action"]?.GetValue<string>() == "get")), c => c is not null, TimeSpan.FromSeconds(5), "A's question");
            var reply = new JsonObject { ["requestId"] = command!["requestId"]!.GetValue<string>(), ["outcome"] = "Done", ["issuedAt"] = DateTimeOffset.UtcNow };
            await publisher.PublishAsync(RedisChannel.Literal(command["replyTo"]!.GetValue<string>()), reply.ToJsonString());
            await publisher.PublishAsync(RedisChannel.Literal(command["replyTo"]!.GetValue<string>()), Sealed("reply", reply.ToJsonString(), RandomNumberGenerator.GetBytes(32)));
        });
        using (var nobodys = await a.Http.GetAsync($"/api/alerts/{Guid.NewGuid()}"))
        {
            await forging;
            Assert.Equal(HttpStatusCode.NotFound, nobodys.StatusCode);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not base64!")]
    [InlineData("c2hvcnQga2V5")]
    public async Task Scale_out_without_a_valid_command_key_does_not_start(string? key)
    {
        var settings = Settings(TestRegistry.Write(_workDir), "hub-a", TestRegistry.OtherSite);
        settings["SignalR:CommandKey"] = key;
        var error = await Record.ExceptionAsync(async () =>
        {
            await using var hub = await HubHost.StartAsync(settings);
        });
        Assert.NotNull(error);
        Assert.Contains("SignalR:CommandKey", error.Message, StringComparison.Ordinal);
    }

    private static JsonObject Command(string id, string by, DateTimeOffset issuedAt) => new()
    {
        ["requestId"] = Guid.NewGuid().ToString("N"),
        ["replyTo"] = "rp-alerts:replies:intruder",
        ["action"] = "ack",
        ["alertId"] = id,
        ["by"] = by,
        ["note"] = "forged",
        ["sites"] = new JsonArray(TestRegistry.Site),
        ["issuedAt"] = issuedAt,
    };

    /// <summary>The wire format of the hub's signed messages, with a key of the caller's choosing.</summary>
    private static string Sealed(string purpose, string body, byte[] key) => new JsonObject
    {
        ["body"] = body,
        ["mac"] = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"rp-alerts:{purpose}\n{body}"))),
    }.ToJsonString();

    private static JsonObject Body(string message)
    {
        var node = JsonNode.Parse(message)!.AsObject();
        return node["body"] is { } body ? JsonNode.Parse(body.GetValue<string>())!.AsObject() : node;
    }

    /// <summary>Waits until B has refused that many commands (or, on a hub that does not, done them), then checks the alert.</summary>
    private static async Task AssertStillActiveAsync(HubHost owner, string id, int refusals)
    {
        var detail = await Eventually.BecomesAsync(
            async () => (Alert: (await owner.GetJsonAsync($"/api/alerts/{id}")).GetProperty("alert"), Refused: await RefusedAsync(owner)),
            x => x.Refused >= refusals || x.Alert.GetProperty("state").GetString() != "active",
            TimeSpan.FromSeconds(10), "the forged commands handled");
        Assert.Equal(("active", null), (detail.Alert.GetProperty("state").GetString(), detail.Alert.GetProperty("acknowledgedBy").GetString()));
    }

    private static async Task<double> RefusedAsync(HubHost hub)
    {
        double total = 0;
        foreach (var reason in new[] { "signature", "expired", "replayed", "malformed" })
        {
            total += await hub.MetricAsync($"rp_hub_scaleout_messages_refused_total{{message=\"command\",reason=\"{reason}\"}}");
        }

        return total;
    }
}
