using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// An edge hub sends its changes up to a district broker (Debian's mosquitto): in order, with the audit trail,
/// and nothing lost when the link is cut or the hub is killed; a receiver that keeps the highest number it
/// stored per edge applies each change once.
/// </summary>
public sealed class UplinkTests : IAsyncLifetime
{
    private string _workDir = null!;
    private MosquittoServer _district = null!;
    private DistrictListener _listener = null!;

    public async Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-uplink-").FullName;
        _district = await MosquittoServer.StartAsync();
        _listener = await DistrictListener.StartAsync(_district);
    }

    public async Task DisposeAsync()
    {
        await _listener.DisposeAsync();
        await _district.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    private Dictionary<string, string?> Settings(int brokerPort) => new()
    {
        ["Hub:Registry"] = TestRegistry.Write(_workDir),
        ["Influx:Version"] = "none",
        ["Alerts:Thresholds:FlyingWireSustainS"] = "1",
        ["Uplink:Url"] = $"mqtt://127.0.0.1:{brokerPort}",
        ["Uplink:ClientId"] = "edge-a",
    };

    [Fact]
    public async Task Alert_changes_go_up_in_order_with_their_trail_and_a_cut_link_loses_none()
    {
        await using var link = TcpProxy.Start(_district.Port);
        await using var hub = await HubHost.StartAsync(Settings(link.Port));
        var charger = await hub.ConnectDeviceAsync("chg-1");
        await FlyingWireAsync(charger, "chg-1");

        var raised = await _listener.NextAsync(m => m.GetProperty("event").GetString() == "alertRaised", TimeSpan.FromSeconds(5));
        var alert = raised.GetProperty("data");
        Assert.Equal(("edge-a", TestRegistry.Site, "flying_wire_charging"), (raised.GetProperty("edge").GetString(), raised.GetProperty("site").GetString(), alert.GetProperty("type").GetString()));
        Assert.Equal("raised", raised.GetProperty("trail")[0].GetProperty("action").GetString());
        var id = alert.GetProperty("id").GetString()!;

        // The link goes down (the edge's connection reset, new ones refused) while the desk works the alert and
        // another one is raised: nothing reaches the district, the edge goes on as before.
        link.Refusing = true;
        link.CutAll();
        var before = _listener.Received.Count;
        (await hub.Http.PostAsync($"/api/alerts/{id}/ack", null)).EnsureSuccessStatusCode();
        (await hub.Http.PostAsJsonAsync($"/api/alerts/{id}/resolve", new { note = "插头已拔" })).EnsureSuccessStatusCode();
        var station = await hub.ConnectDeviceAsync("chg-2");
        await HubHost.PublishAsync(station, $"rp/{TestRegistry.Site}/charger/chg-2/telemetry", """{"circuit":"station","tempC":82}""");
        await Eventually.BecomesAsync(() => hub.GetJsonAsync("/api/alerts?state=open"), open => open.GetArrayLength() == 1, TimeSpan.FromSeconds(5), "the overheat alert at the edge");
        await Task.Delay(2000);
        Assert.Equal(before, _listener.Received.Count);
        Assert.Equal(0, await hub.MetricAsync("rp_hub_uplink_connected"));

        // The link returns: every change of the edge's change log arrives, in order, none missing.
        link.Refusing = false;
        var expected = await EdgeChangesAsync(hub);
        await Eventually.BecomesAsync(() => Task.FromResult(_listener.Seqs("edge-a")), seqs => seqs.Count >= expected.Count, TimeSpan.FromSeconds(40), "the backlog after the link returned");
        Assert.Equal(expected, _listener.Seqs("edge-a"));
        Assert.True(_listener.ArrivedInOrder("edge-a"));

        var resolved = _listener.Received.Last(m => m.GetProperty("data").TryGetProperty("id", out var i) && i.GetString() == id);
        Assert.Equal("resolved", resolved.GetProperty("data").GetProperty("state").GetString());
        Assert.Equal(["raised", "acknowledged", "resolved"], resolved.GetProperty("trail").EnumerateArray().Select(t => t.GetProperty("action").GetString()).Where(a => a != "assigned"));
        Assert.Equal(0, await hub.MetricAsync("rp_hub_uplink_backlog_changes"));
        Assert.True(await hub.MetricAsync("rp_hub_uplink_changes_total{outcome=\"sent\"}") >= expected.Count);
        await charger.DisconnectAsync();
        await station.DisconnectAsync();
    }

    [Fact]
    public async Task An_edge_killed_with_changes_not_yet_up_sends_them_after_its_restart()
    {
        await using var link = TcpProxy.Start(_district.Port);
        var settings = Settings(link.Port);
        var dataDir = Path.Combine(_workDir, "edge");
        List<long> expected;
        await using (var edge = await HubProcess.StartAsync(dataDir, settings))
        {
            await edge.SignInAsync();
            var charger = await edge.ConnectDeviceAsync("chg-1");
            await FlyingWireAsync(charger, "chg-1");
            await _listener.NextAsync(m => m.GetProperty("event").GetString() == "alertRaised", TimeSpan.FromSeconds(10));

            // The link is down when the alert is acknowledged and another raised; then the power goes.
            link.Refusing = true;
            link.CutAll();
            var id = (await edge.Http.GetFromJsonAsync<JsonElement>("/api/alerts?state=open"))[0].GetProperty("id").GetString();
            (await edge.Http.PostAsync($"/api/alerts/{id}/ack", null)).EnsureSuccessStatusCode();
            var station = await edge.ConnectDeviceAsync("chg-2");
            await station.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"rp/{TestRegistry.Site}/charger/chg-2/telemetry").WithPayload("""{"circuit":"station","tempC":82}""")
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            await Eventually.BecomesAsync(async () => await edge.Http.GetFromJsonAsync<JsonElement>("/api/alerts?state=open"), a => a.GetArrayLength() == 2, TimeSpan.FromSeconds(10), "the overheat alert");
            expected = (await edge.Http.GetFromJsonAsync<JsonElement>("/api/alerts?state=open")).EnumerateArray().Select(a => a.GetProperty("seq").GetInt64()).ToList();
            await edge.KillAsync();
        }

        link.Refusing = false;
        await using var restarted = await HubProcess.StartAsync(dataDir, settings);
        // Every change up to the newest one the edge had committed arrives, in order, none twice after the receiver's check.
        await Eventually.BecomesAsync(() => Task.FromResult(_listener.Seqs("edge-a")), seqs => seqs.Count > 0 && seqs[^1] >= expected.Max(), TimeSpan.FromSeconds(40), "the changes made before the kill");
        Assert.True(_listener.ArrivedInOrder("edge-a"));
        var seqs = _listener.Seqs("edge-a");
        Assert.Contains(expected[0], seqs);
        Assert.Contains(expected[1], seqs);
    }

    [Fact]
    public async Task A_link_down_for_longer_than_the_change_log_keeps_loses_nothing_up_to_the_backlog_bound()
    {
        await using var link = TcpProxy.Start(_district.Port);
        var (hub, changeLog, last) = await EightDaysDownAsync(link, Settings(link.Port));
        await using (hub)
        {
            Assert.Equal(1, await changeLog.OldestSeqAsync());

            // The link returns: all of it goes up, nothing dropped.
            link.Refusing = false;
            await Eventually.BecomesAsync(() => Task.FromResult(_listener.Seqs("edge-a").Count), n => n >= last, TimeSpan.FromSeconds(120), "the whole backlog at the district");
            Assert.Equal(Enumerable.Range(1, (int)last).Select(i => (long)i), _listener.Seqs("edge-a").Take((int)last));
            Assert.Equal(0, await hub.MetricAsync("rp_hub_uplink_changes_total{outcome=\"dropped\"}"));
        }
    }

    [Fact]
    public async Task Past_the_backlog_bound_the_oldest_unsent_changes_go_and_are_counted_as_dropped()
    {
        await using var link = TcpProxy.Start(_district.Port);
        var settings = Settings(link.Port);
        settings["Uplink:MaxBacklogChanges"] = "10000";
        var (hub, changeLog, last) = await EightDaysDownAsync(link, settings);
        await using (hub)
        {
            // The newest 10 000 are kept; what is older went with the prune.
            var oldest = await changeLog.OldestSeqAsync();
            Assert.Equal(last - 10_000 + 1, oldest);
            // While the link is down, the backlog gauge shows every change waiting (it was 0 before, from start).
            await Eventually.BecomesAsync(() => hub.MetricAsync("rp_hub_uplink_backlog_changes"), n => n == last, TimeSpan.FromSeconds(40), "the backlog shown while the link is down");
            link.Refusing = false;
            await Eventually.BecomesAsync(() => Task.FromResult(_listener.Seqs("edge-a")), seqs => seqs.Count > 0 && seqs[^1] == last, TimeSpan.FromSeconds(120), "the rest of the backlog at the district");
            Assert.Equal(0, await hub.MetricAsync("rp_hub_uplink_backlog_changes"));
            Assert.Equal(oldest - 1, await hub.MetricAsync("rp_hub_uplink_changes_total{outcome=\"dropped\"}"));
            Assert.Equal(oldest, _listener.Seqs("edge-a")[0]);
            Assert.Equal(last, _listener.Seqs("edge-a")[^1]);
        }
    }

    /// <summary>
    /// An edge whose link is down (refused) while more changes than the change log's own floor (the newest 10 000)
    /// wait, all older than its 7 days by the time eight days of a fake clock have passed and the hourly prune ran.
    /// </summary>
    private static async Task<(HubHost Hub, RedProperty.Iot.Hub.Storage.ChangeLogStore ChangeLog, long Last)> EightDaysDownAsync(TcpProxy link, Dictionary<string, string?> settings)
    {
        link.Refusing = true;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var hub = await HubHost.StartAsync(settings, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var database = hub.Services.GetRequiredService<RedProperty.Iot.Hub.Storage.HubDatabase>();
        await database.InTransactionAsync(async (transaction, ct) =>
        {
            var log = new RedProperty.Iot.Hub.Storage.ChangeLogStore(database);
            for (var i = 0; i < 10_500; i++)
            {
                var seq = await log.NextSeqAsync(transaction, ct);
                var status = new RedProperty.Iot.Hub.ChangeLog.DeviceStatusView(seq, TestRegistry.Site, "grid-2", "chg-2", "charger", i % 2 == 0 ? "online" : "offline", DateTimeOffset.UtcNow);
                await log.AppendAsync(transaction, new RedProperty.Iot.Hub.Storage.StoredChange(seq, TestRegistry.Site, "deviceStatusChanged", JsonSerializer.Serialize(status, new JsonSerializerOptions(JsonSerializerDefaults.Web))), ct);
            }
        }, CancellationToken.None);

        var changeLog = hub.Services.GetRequiredService<RedProperty.Iot.Hub.Storage.ChangeLogStore>();
        for (var hour = 0; hour < 8 * 24; hour += 12)
        {
            clock.Advance(TimeSpan.FromHours(12));
            await Task.Delay(50);
        }

        await Task.Delay(1500);
        return (hub, changeLog, await changeLog.LastSeqAsync());
    }

    [Fact]
    public async Task Telemetry_goes_up_all_of_it_through_a_cut_link_in_order()
    {
        await using var link = TcpProxy.Start(_district.Port);
        var settings = Settings(link.Port);
        settings["Uplink:Telemetry"] = "all";
        await using var hub = await HubHost.StartAsync(settings);
        var charger = await hub.ConnectDeviceAsync("chg-1");
        var topic = $"rp/{TestRegistry.Site}/charger/chg-1/telemetry";
        await HubHost.PublishAsync(charger, topic, """{"circuit":"corridor","currentA":0.1,"seq":1}""");
        await Eventually.BecomesAsync(() => Task.FromResult(_listener.Readings("chg-1").Count), n => n == 1, TimeSpan.FromSeconds(10), "the first reading at the district");

        // Twenty readings while the link is down: they wait in the journal and go up, in order, when it returns.
        link.Refusing = true;
        link.CutAll();
        for (var i = 2; i <= 21; i++)
        {
            await HubHost.PublishAsync(charger, topic, $$"""{"circuit":"corridor","currentA":{{i / 10.0:0.0}},"seq":{{i}}}""");
        }

        await Task.Delay(1500);
        Assert.Single(_listener.Readings("chg-1"));
        link.Refusing = false;
        var readings = await Eventually.BecomesAsync(() => Task.FromResult(_listener.Readings("chg-1")), r => r.Count >= 21, TimeSpan.FromSeconds(40), "the readings after the link returned");
        // Each reading as its point in line protocol: the values in the order the device sent them.
        var currents = readings.Select(r => System.Text.RegularExpressions.Regex.Match(r.GetProperty("line").GetString()!, @"[ ,]currentA=([0-9.]+)").Groups[1].Value)
            .Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).Distinct().ToArray();
        Assert.Equal(Enumerable.Range(1, 21).Select(i => i / 10.0), currents);
        Assert.Equal(21, await hub.MetricAsync("rp_hub_uplink_telemetry_total{outcome=\"sent\"}"));
        await charger.DisconnectAsync();
    }

    [Fact]
    public async Task Downsampled_telemetry_sends_each_device_at_most_one_reading_per_interval()
    {
        var settings = Settings(_district.Port);
        settings["Uplink:Telemetry"] = "downsampled";
        settings["Uplink:TelemetryInterval"] = "00:00:03";
        await using var hub = await HubHost.StartAsync(settings);
        var charger = await hub.ConnectDeviceAsync("chg-1");
        var station = await hub.ConnectDeviceAsync("chg-2");
        async Task BurstAsync(IMqttClient device, string id, string circuit)
        {
            for (var i = 0; i < 5; i++)
            {
                await HubHost.PublishAsync(device, $"rp/{TestRegistry.Site}/charger/{id}/telemetry", $$"""{"circuit":"{{circuit}}","currentA":0.1}""");
            }
        }

        // A burst of five per device, then another after the interval: two readings of each go up.
        await BurstAsync(charger, "chg-1", "corridor");
        await BurstAsync(station, "chg-2", "station");
        await Task.Delay(3500);
        await BurstAsync(charger, "chg-1", "corridor");
        await BurstAsync(station, "chg-2", "station");
        await Eventually.BecomesAsync(() => hub.MetricAsync("rp_hub_uplink_telemetry_total{outcome=\"skipped\"}"), n => n == 16, TimeSpan.FromSeconds(10), "the skipped readings counted");
        await Eventually.BecomesAsync(() => Task.FromResult(_listener.Readings("chg-1").Count + _listener.Readings("chg-2").Count), n => n == 4, TimeSpan.FromSeconds(10), "two readings per device");
        Assert.Equal(2, _listener.Readings("chg-1").Count);
        Assert.Equal(2, _listener.Readings("chg-2").Count);
        await charger.DisconnectAsync();
        await station.DisconnectAsync();
    }

    [Fact]
    public async Task The_monthly_close_goes_up_byte_for_byte_once_per_compound()
    {
        var shanghai = TimeSpan.FromHours(8);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 10, 15, 9, 0, 0, shanghai));
        var settings = Settings(_district.Port);
        settings["Alerts:Thresholds:OfflineIntervals"] = "1000000";
        await using var hub = await HubHost.StartAsync(settings, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        clock.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 30, 0, shanghai));

        await Eventually.BecomesAsync(() => Task.FromResult(_listener.Reports.Count), n => n >= 2, TimeSpan.FromSeconds(30), "both compounds' October reports at the district");
        await Task.Delay(500);
        Assert.Equal(2, _listener.Reports.Count);
        hub.Http.DefaultRequestHeaders.Authorization = new("Bearer", await hub.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword));
        var stored = (await hub.GetJsonAsync("/api/reports/monthly")).EnumerateArray().ToDictionary(r => r.GetProperty("site").GetString()!, r => r.GetProperty("sha256").GetString()!);
        foreach (var report in _listener.Reports)
        {
            var site = report.Topic.Split('/')[1];
            Assert.Equal($"rp/{site}/uplink/report-monthly", report.Topic);
            var properties = report.UserProperties.ToDictionary(p => p.Name, p => System.Text.Encoding.UTF8.GetString(p.ValueBuffer.Span));
            Assert.Equal(("edge-a", "2026-10"), (properties["edge"], properties["month"]));
            // The snapshot exactly as the edge stored and signed it: its hash is the one the edge lists.
            Assert.Equal(stored[site], Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Buffers.BuffersExtensions.ToArray(report.Payload))));
            Assert.Equal(stored[site], properties["sha256"]);
        }

        // Retained at the district broker: a centre that subscribes later still gets each compound's latest report.
        using var late = new MqttClientFactory().CreateMqttClient();
        var retained = new ConcurrentQueue<MqttApplicationMessage>();
        late.ApplicationMessageReceivedAsync += e =>
        {
            retained.Enqueue(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        await late.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _district.Port).WithClientId("late-centre").Build());
        await late.SubscribeAsync("rp/+/uplink/report-monthly", MqttQualityOfServiceLevel.AtLeastOnce);
        await Eventually.BecomesAsync(() => Task.FromResult(retained.Count), n => n == 2, TimeSpan.FromSeconds(5), "the retained reports");
        Assert.All(retained, m => Assert.True(m.Retain));
    }

    [Fact]
    public async Task An_uplink_without_a_client_id_with_a_wrong_address_or_without_the_centres_key_stops_the_hub_at_start()
    {
        var settings = Settings(1883);
        settings["Uplink:ClientId"] = null;
        var noId = await Assert.ThrowsAnyAsync<Exception>(() => HubHost.StartAsync(settings));
        Assert.Contains("Uplink:ClientId is required", noId.Message, StringComparison.Ordinal);
        settings = Settings(1883);
        settings["Uplink:Url"] = "http://district.example";
        var badUrl = await Assert.ThrowsAnyAsync<Exception>(() => HubHost.StartAsync(settings));
        Assert.Contains("Uplink:Url 'http://district.example' must be mqtt://", badUrl.Message, StringComparison.Ordinal);

        // The centre's command key: a file that is not there, and one that is not a public key (the private key's place mixed up).
        settings = Settings(1883);
        settings["Uplink:CentreKeyFile"] = Path.Combine(_workDir, "missing.pem");
        var missing = await Assert.ThrowsAnyAsync<Exception>(() => HubHost.StartAsync(settings));
        Assert.Contains("does not exist: copy centre-command.pub.pem", missing.Message, StringComparison.Ordinal);
        var notAKey = Path.Combine(_workDir, "not-a-key.pem");
        await File.WriteAllTextAsync(notAKey, "-----BEGIN CERTIFICATE-----\nbm90IGEga2V5\n-----END CERTIFICATE-----\n");
        settings["Uplink:CentreKeyFile"] = notAKey;
        var wrong = await Assert.ThrowsAnyAsync<Exception>(() => HubHost.StartAsync(settings));
        Assert.Contains("is not the centre's public key", wrong.ToString(), StringComparison.Ordinal);
    }

    private static async Task FlyingWireAsync(IMqttClient charger, string device)
    {
        var topic = $"rp/{TestRegistry.Site}/charger/{device}/telemetry";
        await charger.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("""{"circuit":"corridor","currentA":2.0}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await Task.Delay(1100);
        await charger.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("""{"circuit":"corridor","currentA":2.1}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
    }

    private static async Task<List<long>> EdgeChangesAsync(HubHost hub)
    {
        var log = hub.Services.GetRequiredService<Storage.ChangeLogStore>();
        return (await log.ChangesSinceAsync(0, [TestRegistry.Site, TestRegistry.OtherSite], 10_000)).Select(c => c.Seq).ToList();
    }

    /// <summary>What the district receives: a subscriber to every site's uplink topic, with a persistent session.</summary>
    private sealed class DistrictListener : IAsyncDisposable
    {
        private readonly IMqttClient _client;

        private DistrictListener(IMqttClient client) => _client = client;

        public ConcurrentQueue<JsonElement> Received { get; } = new();

        public static async Task<DistrictListener> StartAsync(MosquittoServer broker)
        {
            var client = new MqttClientFactory().CreateMqttClient();
            var listener = new DistrictListener(client);
            client.ApplicationMessageReceivedAsync += e =>
            {
                if (e.ApplicationMessage.Topic.EndsWith("/uplink/changes", StringComparison.Ordinal))
                {
                    listener.Received.Enqueue(JsonDocument.Parse(e.ApplicationMessage.ConvertPayloadToString()).RootElement.Clone());
                }
                else if (e.ApplicationMessage.Topic.EndsWith("/uplink/report-monthly", StringComparison.Ordinal))
                {
                    listener.Reports.Enqueue(e.ApplicationMessage);
                }
                else if (e.ApplicationMessage.Topic.EndsWith("/uplink/telemetry", StringComparison.Ordinal))
                {
                    listener.Telemetry.Enqueue(JsonDocument.Parse(e.ApplicationMessage.ConvertPayloadToString()).RootElement.Clone());
                }
                else if (e.ApplicationMessage.Topic.EndsWith("/uplink/heartbeat", StringComparison.Ordinal))
                {
                    listener.Heartbeats.Enqueue(JsonDocument.Parse(e.ApplicationMessage.ConvertPayloadToString()).RootElement.Clone());
                }

                return Task.CompletedTask;
            };
            await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("district-test").WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).Build());
            await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("rp/+/uplink/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
            return listener;
        }

        /// <summary>The edges' monthly reports.</summary>
        public ConcurrentQueue<MqttApplicationMessage> Reports { get; } = new();

        /// <summary>The edges' telemetry batches.</summary>
        public ConcurrentQueue<JsonElement> Telemetry { get; } = new();

        /// <summary>A device's readings in the order they came (a batch sent twice counts twice).</summary>
        public List<JsonElement> Readings(string deviceId) =>
            [.. Telemetry.SelectMany(b => b.GetProperty("readings").EnumerateArray()).Where(r => r.GetProperty("deviceId").GetString() == deviceId)];

        /// <summary>The edges' heartbeats.</summary>
        public ConcurrentQueue<JsonElement> Heartbeats { get; } = new();

        /// <summary>The edge's change numbers as a receiver stores them: each once, the first time it comes.</summary>
        public List<long> Seqs(string edge) => Received.Where(m => m.GetProperty("edge").GetString() == edge).Select(m => m.GetProperty("seq").GetInt64()).Distinct().ToList();

        /// <summary>Whether the numbers, each taken the first time it came, came in increasing order.</summary>
        public bool ArrivedInOrder(string edge) => Seqs(edge).SequenceEqual(Seqs(edge).Order());

        public async Task<JsonElement> NextAsync(Func<JsonElement, bool> match, TimeSpan within) =>
            await Eventually.BecomesAsync(() => Task.FromResult(Received.FirstOrDefault(match)), m => m.ValueKind == JsonValueKind.Object, within, "an uplink message");

        public async ValueTask DisposeAsync()
        {
            await _client.DisconnectAsync();
            _client.Dispose();
        }
    }
}
