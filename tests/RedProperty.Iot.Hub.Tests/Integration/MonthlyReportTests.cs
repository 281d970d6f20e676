using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using RedProperty.Iot.Domain.Registry;
using RedProperty.Iot.FirmwareSim.Capture;
using RedProperty.Iot.FirmwareSim.Devices;
using RedProperty.Iot.FirmwareSim.Scenarios;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// A month of a compound's traffic (October 2026, rendered from tests/captures/compound-month.yaml into a
/// capture file) replayed through the hub on a virtual clock: on 1 November the hub closes October,
/// stores the report once and publishes it retained on rp/{site}/report/monthly, to a report reader.
/// </summary>
[Collection("heavy")]
public sealed class MonthlyReportTests : IAsyncLifetime
{
    private const string Site = "monthcourt";
    private const string ReaderName = "district";
    private const string ReaderSecret = "district-reader-secret";
    private static readonly TimeSpan Shanghai = TimeSpan.FromHours(8);

    private readonly string _workDir = Directory.CreateTempSubdirectory("rp-month-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_workDir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_replayed_month_is_closed_on_the_first_stored_once_and_published_once_retained()
    {
        var scenario = ScenarioReader.Load(Path.Combine(AppContext.BaseDirectory, "captures", "compound-month.yaml"));
        var registryPath = Path.Combine(_workDir, "registry.json");
        RegistryFile.Write(ScenarioRegistry.Build(scenario), registryPath);
        var capturePath = Path.Combine(_workDir, "compound-month.jsonl");
        await using (var writer = new CaptureWriter(capturePath, new CaptureHeader(CaptureHeader.CurrentFormat, scenario.Start, "compound-month.yaml")))
        {
            foreach (var message in TrafficTimeline.Build(scenario))
            {
                writer.Write(CaptureRecord.From(message.Offset, message.Topic, (int)message.Qos, message.Retain, Encoding.UTF8.GetBytes(message.Payload)));
            }
        }

        var (header, records) = CaptureReader.Read(capturePath);
        var clock = new FakeTimeProvider(header.StartedAt);
        var dataDir = Path.Combine(_workDir, "hub");
        var settings = new Dictionary<string, string?>
        {
            ["Hub:Registry"] = registryPath,
            ["Influx:Version"] = "none",
            ["Mqtt:Readers:0:Username"] = ReaderName,
            ["Mqtt:Readers:0:SecretHash"] = DeviceSecretHasher.Hash(ReaderSecret, 1000),
            ["Mqtt:Readers:0:Sites:0"] = Site,
        };

        var hub = await HubHost.StartAsync(settings, dataDir, b => b.Services.AddSingleton<TimeProvider>(clock));
        try
        {
            using var reader = await ConnectReaderAsync(hub);
            var received = new ConcurrentQueue<MqttApplicationMessage>();
            reader.ApplicationMessageReceivedAsync += e =>
            {
                received.Enqueue(e.ApplicationMessage);
                return Task.CompletedTask;
            };
            await reader.SubscribeAsync(MonthlyTopic, MqttQualityOfServiceLevel.AtLeastOnce);

            // Replay up to the last minute of October; the hub's clock follows the captured times. The desk
            // responds to the entrapment 4 minutes after the alarm, confirms the guard on site at 11:14; the
            // passenger is out at 11:25.
            var deskActions = new Queue<(DateTimeOffset At, string Action)>(
            [
                (new DateTimeOffset(2026, 10, 11, 11, 5, 0, Shanghai), "ack"),
                (new DateTimeOffset(2026, 10, 11, 11, 14, 0, Shanghai), "arrive"),
                (new DateTimeOffset(2026, 10, 11, 11, 25, 0, Shanghai), "resolve"),
            ]);
            var handled = 0;
            var october = records.Where(r => header.StartedAt + r.Offset < new DateTimeOffset(2026, 11, 1, 0, 0, 0, Shanghai)).ToArray();
            var outcome = await CaptureReplayer.ReplayAsync(
                october, RegistryFile.ReadIdentities(registryPath), new Uri($"mqtt://127.0.0.1:{hub.MqttPort}"), Pace.AsFastAsPossible, TextWriter.Null, CancellationToken.None,
                beforePublish: async (offset, _) =>
                {
                    var at = header.StartedAt + offset;
                    while (deskActions.TryPeek(out var next) && at >= next.At)
                    {
                        deskActions.Dequeue();
                        clock.SetUtcNow(next.At);
                        handled += await DeskActsOnOpenCriticalAlertsAsync(hub, next.Action);
                    }

                    if (at > clock.GetUtcNow())
                    {
                        clock.SetUtcNow(at);
                    }
                });
            Assert.Equal(october.Length, outcome.Published);
            Assert.Equal(3, handled); // the entrapment: acknowledged, on site, resolved
            hub.Http.DefaultRequestHeaders.Authorization = new("Bearer", await hub.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword));
            var alertsOfOctober = await SettledAlertsAsync(hub);
            Assert.Empty(received);

            // Midnight passes: nothing yet (the month closes 10 minutes later, once the last readings are in).
            clock.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 5, 0, Shanghai));
            await Task.Delay(500);
            Assert.Empty(received);

            clock.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 11, 0, Shanghai));
            await Eventually.BecomesAsync(() => Task.FromResult(received.Count), n => n >= 1, TimeSpan.FromSeconds(10), "the monthly report on the reader");

            // More hours and days pass: the month is never reported again.
            for (var hour = 1; hour <= 30; hour++)
            {
                clock.Advance(TimeSpan.FromHours(1));
                await Task.Delay(20);
            }

            await Task.Delay(500);
            Assert.Single(received);
            var published = received.Single();
            Assert.Equal(MonthlyTopic, published.Topic);
            Assert.Equal("application/json", published.ContentType);
            Assert.Contains(published.UserProperties, p => p.Name == "month" && Encoding.UTF8.GetString(p.ValueBuffer.Span) == "2026-10");

            hub.Http.DefaultRequestHeaders.Authorization = new("Bearer", await hub.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword));
            var stored = await hub.GetJsonAsync($"/api/reports/monthly?site={Site}");
            var entry = Assert.Single(stored.EnumerateArray());
            Assert.Equal("2026-10", entry.GetProperty("month").GetString());
            Assert.Equal(JsonValueKind.String, entry.GetProperty("publishedAt").ValueKind);
            Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 11, 0, Shanghai), entry.GetProperty("computedAt").GetDateTimeOffset()); // the first moment after 00:10 the hub saw

            // What was published is byte for byte what is stored, and its figures are the month's figures from the API.
            var payload = Encoding.UTF8.GetString(published.Payload);
            Assert.Equal(await hub.Http.GetStringAsync($"/api/reports/monthly/{Site}/2026-10"), payload);
            using var report = JsonDocument.Parse(payload);
            var root = report.RootElement;
            Assert.Equal("rp-report-monthly/4", root.GetProperty("schema").GetString());
            Assert.True(root.GetProperty("complete").GetBoolean());
            Assert.Equal(new DateTimeOffset(2026, 10, 1, 0, 0, 0, Shanghai), root.GetProperty("from").GetDateTimeOffset());
            Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, Shanghai), root.GetProperty("to").GetDateTimeOffset());
            var figures = root.GetProperty("figures");
            var fromApi = await hub.GetJsonAsync($"/api/reports/service-quality?site={Site}&month=2026-10");
            Assert.Equal(fromApi.GetRawText(), figures.GetRawText());

            // The scenario's incidents, as the month's figures.
            var alerts = figures.GetProperty("alerts");
            Assert.Equal(alertsOfOctober.Count, alerts.GetProperty("raised").GetInt32());
            Assert.Equal(2, figures.GetProperty("charging").GetProperty("flyingWireIncidentsPerZone").GetProperty("b02").GetInt32());
            Assert.Equal("b02", Assert.Single(figures.GetProperty("charging").GetProperty("zonesWithRepeatIncidents").EnumerateArray()).GetString());
            var elevators = figures.GetProperty("elevators");
            Assert.Equal(1, elevators.GetProperty("entrapments").GetInt32());
            var trapped = await hub.GetJsonAsync("/api/alerts?type=elevator_entrapment");
            var alarmAt = Assert.Single(trapped.EnumerateArray()).GetProperty("raisedAt").GetDateTimeOffset();
            Assert.Equal((new DateTimeOffset(2026, 10, 11, 11, 25, 0, Shanghai) - alarmAt).TotalMinutes, elevators.GetProperty("meanMinutesToRelease").GetDouble(), 6);
            Assert.Equal(1.0, alerts.GetProperty("shareCriticalOnSiteWithinSla").GetDouble());
            Assert.Equal((new DateTimeOffset(2026, 10, 11, 11, 14, 0, Shanghai) - alarmAt).TotalMinutes, alerts.GetProperty("meanMinutesToArrive").GetDouble(), 6);
            Assert.False(alerts.TryGetProperty("shareCriticalResolvedWithinSla", out _));
            Assert.Equal(2, figures.GetProperty("lighting").GetProperty("outages").GetInt32());
            if (alerts.GetProperty("openAtEnd").GetInt32() != 1) { var all = await hub.GetJsonAsync("/api/alerts?state=open&limit=1000"); Assert.Fail(all.GetRawText()[..Math.Min(3000, all.GetRawText().Length)]); }
            Assert.Equal(1, alerts.GetProperty("openAtEnd").GetInt32()); // b02's lamp, dark since 31 October
            Assert.True(figures.GetProperty("cameras").GetProperty("availabilityPerCamera").GetProperty("gate-cam-1").GetDouble() < 1);
            Assert.Equal(1.0, figures.GetProperty("cameras").GetProperty("availabilityPerCamera").GetProperty("car-park-cam-1").GetDouble());
            Assert.Equal(alertsOfOctober.Select(a => a.Type).Distinct().Order(StringComparer.Ordinal), alerts.GetProperty("byType").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

            // A reader that subscribes later gets the report as the retained message.
            using (var late = await ConnectReaderAsync(hub, "district-late"))
            {
                var retained = await FirstMessageAsync(late);
                Assert.True(retained.Retain);
                Assert.Equal(payload, Encoding.UTF8.GetString(retained.Payload));
            }

            // Readers only read their sites' reports.
            using (var nosy = await ConnectReaderAsync(hub, "district-nosy"))
            {
                var refused = await nosy.SubscribeAsync("rp/#", MqttQualityOfServiceLevel.AtLeastOnce);
                Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, refused.Items.Single().ResultCode);
                var write = await nosy.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(MonthlyTopic).WithPayload("{}").WithRetainFlag()
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
                Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, write.ReasonCode);
            }

            // After a restart (with other score weights) the retained report is still there, the month is
            // still reported once, and its ranking shows the published score, not one with today's weights.
            await hub.DisposeAsync();
            settings["Reports:Weights:ResponseSla"] = "0";
            settings["Reports:Weights:CameraAvailability"] = "90";
            hub = await HubHost.StartAsync(settings, dataDir, b => b.Services.AddSingleton<TimeProvider>(clock));
            hub.Http.DefaultRequestHeaders.Authorization = new("Bearer", await hub.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword));
            var ranking = await hub.GetJsonAsync("/api/reports/ranking?month=2026-10");
            Assert.Equal(root.GetProperty("score").GetDouble(), Assert.Single(ranking.GetProperty("sites").EnumerateArray()).GetProperty("score").GetDouble());
            using (var afterRestart = await ConnectReaderAsync(hub, "district-after"))
            {
                var retained = await FirstMessageAsync(afterRestart);
                Assert.Equal(payload, Encoding.UTF8.GetString(retained.Payload));
            }

            clock.Advance(TimeSpan.FromHours(2));
            await Task.Delay(500);
            var again = await hub.GetJsonAsync($"/api/reports/monthly?site={Site}");
            Assert.Equal(entry.GetRawText(), Assert.Single(again.EnumerateArray()).GetRawText());
        }
        finally
        {
            await hub.DisposeAsync();
        }
    }

    [Fact]
    public async Task With_an_external_broker_the_report_is_published_there_and_a_month_the_hub_only_saw_part_of_says_so()
    {
        await using var broker = await MosquittoServer.StartAsync();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 10, 15, 9, 0, 0, Shanghai));
        await using var hub = await HubHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Hub:Registry"] = TestRegistry.Write(_workDir),
                ["Influx:Version"] = "none",
                ["Mqtt:Mode"] = "external",
                ["Mqtt:ExternalUrl"] = broker.Url.ToString(),
                ["Mqtt:ClientId"] = "hub-monthly",
                ["Alerts:Thresholds:OfflineIntervals"] = "1000000",
            },
            configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var consumer = hub.Services.GetRequiredService<RedProperty.Iot.Hub.Broker.ExternalBrokerConsumer>();
        await Eventually.BecomesAsync(() => Task.FromResult(consumer.IsConnected), connected => connected, TimeSpan.FromSeconds(10), "the hub on the broker");

        clock.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 30, 0, Shanghai));
        var topic = $"rp/{TestRegistry.Site}/report/monthly";
        using var district = new MqttClientFactory().CreateMqttClient();
        await district.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("district").Build());
        var received = new ConcurrentQueue<MqttApplicationMessage>();
        district.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        await district.SubscribeAsync($"rp/+/report/monthly", MqttQualityOfServiceLevel.AtLeastOnce);

        // Both sites of the registry are reported (the hub owns all), each once, retained on the broker.
        await Eventually.BecomesAsync(() => Task.FromResult(received.Count), n => n >= 2, TimeSpan.FromSeconds(15), "two monthly reports on the broker");
        await Task.Delay(500);
        Assert.Equal(2, received.Count);
        var report = received.Single(m => m.Topic == topic);
        using var json = JsonDocument.Parse(Encoding.UTF8.GetString(report.Payload));
        Assert.Equal("2026-10", json.RootElement.GetProperty("month").GetString());
        Assert.False(json.RootElement.GetProperty("complete").GetBoolean()); // the hub started on 15 October
        Assert.Equal(new DateTimeOffset(2026, 10, 15, 9, 0, 0, Shanghai), json.RootElement.GetProperty("recordsSince").GetDateTimeOffset());

        // September ended before the hub's records begin: nothing to say about it, nothing stored.
        hub.Http.DefaultRequestHeaders.Authorization = new("Bearer", await hub.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword));
        var stored = await hub.GetJsonAsync("/api/reports/monthly");
        Assert.Equal(["2026-10", "2026-10"], stored.EnumerateArray().Select(r => r.GetProperty("month").GetString()!).ToArray());
        Assert.All(stored.EnumerateArray(), r => Assert.Equal(JsonValueKind.String, r.GetProperty("publishedAt").ValueKind));
    }

    [Fact]
    public async Task A_hub_that_slept_through_several_firsts_closes_every_month_it_missed_oldest_first()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 8, 20, 9, 0, 0, Shanghai));
        await using var hub = await HubHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Hub:Registry"] = TestRegistry.Write(_workDir),
                ["Influx:Version"] = "none",
                ["Alerts:Thresholds:OfflineIntervals"] = "1000000",
            },
            configure: b => b.Services.AddSingleton<TimeProvider>(clock));

        clock.SetUtcNow(new DateTimeOffset(2026, 11, 5, 9, 0, 0, Shanghai));
        hub.Http.DefaultRequestHeaders.Authorization = new("Bearer", await hub.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword));
        var stored = await Eventually.BecomesAsync(
            () => hub.GetJsonAsync("/api/reports/monthly"),
            list => list.GetArrayLength() == 6 && list.EnumerateArray().All(r => r.GetProperty("publishedAt").ValueKind == JsonValueKind.String),
            TimeSpan.FromSeconds(15),
            "August to October of both sites, published");
        Assert.Equal(["2026-10", "2026-10", "2026-09", "2026-09", "2026-08", "2026-08"], stored.EnumerateArray().Select(r => r.GetProperty("month").GetString()!).ToArray());

        // Published oldest first: what the broker keeps is the newest month; August (begun before the hub) says it is partial.
        var server = hub.Services.GetRequiredService<MQTTnet.Server.MqttServer>();
        var retained = (await server.GetRetainedMessagesAsync()).Single(m => m.Topic == $"rp/{TestRegistry.Site}/report/monthly");
        using var json = JsonDocument.Parse(Encoding.UTF8.GetString(retained.Payload));
        Assert.Equal("2026-10", json.RootElement.GetProperty("month").GetString());
        using var august = JsonDocument.Parse(await hub.Http.GetStringAsync($"/api/reports/monthly/{TestRegistry.Site}/2026-08"));
        Assert.False(august.RootElement.GetProperty("complete").GetBoolean());
        using var september = JsonDocument.Parse(await hub.Http.GetStringAsync($"/api/reports/monthly/{TestRegistry.Site}/2026-09"));
        Assert.True(september.RootElement.GetProperty("complete").GetBoolean());
    }

    [Fact]
    public async Task A_reader_with_a_wrong_secret_or_a_bad_reader_configuration_is_refused()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Influx:Version"] = "none",
            ["Mqtt:Readers:0:Username"] = ReaderName,
            ["Mqtt:Readers:0:SecretHash"] = DeviceSecretHasher.Hash(ReaderSecret, 1000),
            ["Mqtt:Readers:0:Sites:0"] = TestRegistry.Site,
        };
        await using (var hub = await HubHost.StartAsync(settings))
        {
            var (client, result) = await hub.TryConnectAsync(ReaderName, "not-the-secret");
            client.Dispose();
            Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result.ResultCode);
        }

        settings["Mqtt:Readers:0:Sites:0"] = "nowhere";
        settings["Mqtt:Readers:0:SecretHash"] = "plain-text";
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => HubHost.StartAsync(settings));
        Assert.Contains("Mqtt:Readers:0:SecretHash must be a pbkdf2-sha256 or hmac-sha256 hash", error.Message);
        Assert.Contains("unknown: nowhere", error.Message);
    }

    private static string MonthlyTopic => $"rp/{Site}/report/monthly";

    private static async Task<IMqttClient> ConnectReaderAsync(HubHost hub, string clientId = "district-1")
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", hub.MqttPort)
            .WithClientId(clientId)
            .WithCredentials(ReaderName, ReaderSecret)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .Build());
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return client;
    }

    private static async Task<MqttApplicationMessage> FirstMessageAsync(IMqttClient client)
    {
        var first = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += e =>
        {
            first.TrySetResult(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        var subscribed = await client.SubscribeAsync(MonthlyTopic, MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, subscribed.Items.Single().ResultCode);
        return await first.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>The desk acknowledges (<c>ack</c>), confirms someone on site (<c>arrive</c>) or resolves (<c>resolve</c>) every open critical alert; returns how many.</summary>
    private static async Task<int> DeskActsOnOpenCriticalAlertsAsync(HubHost hub, string action)
    {
        hub.Http.DefaultRequestHeaders.Authorization = new("Bearer", await hub.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword));
        var open = await hub.GetJsonAsync("/api/alerts?state=open&severity=critical");
        foreach (var alert in open.EnumerateArray())
        {
            var id = alert.GetProperty("id").GetString();
            (await hub.Http.PostAsJsonAsync($"/api/alerts/{id}/{action}", new { note = "passenger released by the elevator company", reason = "the guard called from the car" })).EnsureSuccessStatusCode();
        }

        return open.GetArrayLength();
    }

    /// <summary>The hub's alert list once it has stopped changing (the alert service works through its queue after the PUBACKs).</summary>
    private static async Task<IReadOnlyList<(string Type, string Device)>> SettledAlertsAsync(HubHost hub)
    {
        string? last = null;
        var same = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var alerts = await hub.GetJsonAsync("/api/alerts?limit=1000");
            var text = alerts.GetRawText();
            same = text == last ? same + 1 : 0;
            last = text;
            if (same >= 2)
            {
                return alerts.EnumerateArray().Select(a => (a.GetProperty("type").GetString()!, a.GetProperty("deviceId").GetString()!)).ToArray();
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("the alert list kept changing");
    }
}
