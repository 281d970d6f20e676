using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// What a PUBACK promises, tried with SIGKILL: the hub runs as its own process and is killed right after the
/// last acknowledgement; started again on the same data directory it must have judged every acknowledged
/// message — an elevator alarm becomes an entrapment alert, once, raised when the hub received it.
/// </summary>
[Collection("heavy")]
public sealed class JournalCrashTests : IAsyncLifetime
{
    private const int Elevators = 50;
    private string _workDir = null!;
    private InfluxServer? _influx;

    public Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-journal-crash-").FullName;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_influx is not null)
        {
            await _influx.DisposeAsync();
        }

        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task A_second_hub_on_the_same_data_directory_stops_at_start_and_the_first_keeps_acknowledging()
    {
        var settings = new Dictionary<string, string?> { ["Hub:Registry"] = TestRegistry.Write(_workDir) };
        var dataDir = Path.Combine(_workDir, "data");
        await using var first = await HubProcess.StartAsync(dataDir, settings);
        const string topic = $"rp/{TestRegistry.Site}/light/light-2/telemetry";
        var lamp = await first.ConnectDeviceAsync("light-2");
        Assert.True((await PublishAsync(lamp, topic, 1)).Acknowledged);

        var (exitCode, output) = await HubProcess.RunToExitAsync(dataDir, settings, TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, exitCode);
        Assert.Contains("is in use by another hub", output, StringComparison.Ordinal);

        for (var seq = 2; seq <= 5; seq++)
        {
            Assert.True((await PublishAsync(lamp, topic, seq)).Acknowledged, $"reading {seq} after the second hub's attempt");
        }

        Assert.Equal(System.Net.HttpStatusCode.OK, (await first.Http.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task A_full_disk_stops_acknowledgements_without_stopping_the_hub_which_recovers_when_space_returns()
    {
        using var disk = new SmallDisk("1m");
        var settings = new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Journal:Directory"] = Path.Combine(disk.Path, "journal"),
            ["Journal:SegmentBytes"] = "65536",
            ["Journal:CommitMaxBytes"] = "16384",
            ["Journal:MaxBytes"] = "16777216",
        };
        await using var hub = await HubProcess.StartAsync(Path.Combine(_workDir, "data"), settings);
        const string topic = $"rp/{TestRegistry.Site}/light/light-2/telemetry";
        var lamp = await hub.ConnectDeviceAsync("light-2");
        Assert.True((await PublishAsync(lamp, topic, 1)).Acknowledged);

        disk.Fill();
        // Room already taken by the open segment may still hold a few records: publish until the disk says no.
        var seq = 1;
        var refused = false;
        while (!refused && seq < 2000)
        {
            refused = !(await PublishAsync(lamp, topic, ++seq)).Acknowledged;
        }

        Assert.True(refused, $"{seq - 1} readings acknowledged on a full disk");
        lamp.Dispose();
        Assert.False(hub.HasExited, hub.Output);
        var journal = await Eventually.BecomesAsync(async () => (await hub.Http.GetFromJsonAsync<JsonElement>("/healthz")).GetProperty("checks").GetProperty("journal"),
            j => j.GetProperty("status").GetString() == "Degraded", TimeSpan.FromSeconds(10), "the journal degraded");
        Assert.Contains("space", journal.GetProperty("description").GetString(), StringComparison.OrdinalIgnoreCase);

        disk.Free();
        await Eventually.BecomesAsync(async () => (await hub.Http.GetFromJsonAsync<JsonElement>("/healthz")).GetProperty("checks").GetProperty("journal").GetProperty("status").GetString(),
            status => status == "Healthy", TimeSpan.FromSeconds(15), "the journal back once there is room");
        using var again = await hub.ConnectDeviceAsync("light-2");
        Assert.True((await PublishAsync(again, topic, ++seq)).Acknowledged);

        // What was acknowledged is judged: an alarm after the outage still becomes an alert.
        using var lift = await hub.ConnectDeviceAsync("lift-1");
        Assert.True((await lift.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"rp/{TestRegistry.Site}/elevator/lift-1/event")
            .WithPayload("""{"type":"alarm_button","seq":1}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build())).IsSuccess);
        await hub.SignInAsync();
        await Eventually.BecomesAsync(() => hub.Http.GetFromJsonAsync<JsonElement>("/api/alerts?type=elevator_entrapment"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(10), "the alarm's alert");
    }

    private static async Task<(bool Acknowledged, string Detail)> PublishAsync(IMqttClient client, string topic, int seq)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var result = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic)
                .WithPayload(string.Create(CultureInfo.InvariantCulture, $$"""{"on":false,"lux":{{seq}},"seq":{{seq}}}""")).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), timeout.Token);
            return (result.IsSuccess, result.ReasonCode.ToString());
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
            return (false, ex.GetType().Name);
        }
    }

    [Fact]
    public async Task Every_acknowledged_reading_reaches_influxdb_across_twenty_kills_at_random_moments()
    {
        const int devices = 20;
        const int kills = 20;
        _influx = new InfluxServer();
        await _influx.StartAsync();
        var settings = HubHost.InfluxV1(_influx, TestRegistry.Write(_workDir, extraLights: devices));
        // Small segments and batches: kills land during segment rotation and during shipper batches.
        settings["Journal:SegmentBytes"] = "65536";
        settings["Journal:CommitMaxBytes"] = "16384";
        settings["Journal:MaxBytes"] = "16777216";
        settings["Influx:BatchSize"] = "50";
        var dataDir = Path.Combine(_workDir, "data");
        var acknowledged = Enumerable.Range(0, devices).Select(_ => new List<long>()).ToArray();
        var nextSeq = new long[devices];
        var random = new Random(20261202);
        var start = DateTimeOffset.UtcNow.AddMinutes(-30).ToUnixTimeMilliseconds();
        for (var round = 0; round < kills; round++)
        {
            var hub = await HubProcess.StartAsync(dataDir, settings);
            var clients = new IMqttClient[devices];
            try
            {
                for (var d = 0; d < devices; d++)
                {
                    clients[d] = await hub.ConnectDeviceAsync($"light-x{d}");
                }

                using var streaming = new CancellationTokenSource();
                var streams = Enumerable.Range(0, devices).Select(d => Task.Run(async () =>
                {
                    while (!streaming.IsCancellationRequested)
                    {
                        var seq = ++nextSeq[d];
                        var payload = string.Create(CultureInfo.InvariantCulture, $$"""{"on":false,"lux":{{seq}},"seq":{{seq}},"ts":{{start + seq}}}""");
                        try
                        {
                            var result = await clients[d].PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"rp/{TestRegistry.Site}/light/light-x{d}/telemetry")
                                .WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
                            if (result.IsSuccess)
                            {
                                acknowledged[d].Add(seq);
                            }
                        }
                        catch (Exception)
                        {
                            return;
                        }
                    }
                })).ToArray();
                await Task.Delay(random.Next(200, 1500));
                await hub.KillAsync();
                streaming.Cancel();
                await Task.WhenAll(streams);
            }
            finally
            {
                foreach (var client in clients)
                {
                    client?.Dispose();
                }

                await hub.DisposeAsync();
            }
        }

        await using var last = await HubProcess.StartAsync(dataDir, settings);
        for (var d = 0; d < devices; d++)
        {
            var device = $"light-x{d}";
            var expected = acknowledged[d];
            Assert.NotEmpty(expected);
            var landed = await Eventually.BecomesAsync(
                async () => (await _influx.RowsAsync($"SELECT seq FROM light WHERE device = '{device}'")).Select(r => r["seq"].GetInt64()).ToHashSet(),
                seqs => expected.All(seqs.Contains),
                TimeSpan.FromSeconds(60),
                $"every acknowledged reading of {device} in InfluxDB");
            var lost = expected.Where(seq => !landed.Contains(seq)).ToArray();
            Assert.True(lost.Length == 0, $"{device}: {lost.Length} of {expected.Count} acknowledged readings are not in InfluxDB: {string.Join(", ", lost.Take(20))}");
        }
    }

    [Fact]
    public async Task A_message_redelivered_after_a_kill_is_not_judged_again()
    {
        var settings = new Dictionary<string, string?> { ["Hub:Registry"] = TestRegistry.Write(_workDir, extraElevators: 2) };
        var dataDir = Path.Combine(_workDir, "data");
        const string alarm = """{"type":"alarm_button","seq":41}""";
        await using (var hub = await HubProcess.StartAsync(dataDir, settings))
        {
            await hub.SignInAsync();
            using var lift = await hub.ConnectDeviceAsync("lift-x0");
            Assert.True((await PublishEventAsync(lift, "lift-x0", alarm, duplicate: false)).IsSuccess);
            await Eventually.BecomesAsync(() => hub.Http.GetFromJsonAsync<JsonElement>("/api/alerts?type=elevator_entrapment"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(10), "the entrapment alert");

            // The hub dies; the lift never got (say) the PUBACK and sends the same message again, marked DUP.
            await hub.KillAsync();
        }

        await using var restarted = await HubProcess.StartAsync(dataDir, settings);
        await restarted.SignInAsync();
        using (var lift = await restarted.ConnectDeviceAsync("lift-x0"))
        using (var other = await restarted.ConnectDeviceAsync("lift-x1"))
        {
            Assert.True((await PublishEventAsync(lift, "lift-x0", alarm, duplicate: true)).IsSuccess);

            // A marker alarm after the redelivery: once its alert exists, the redelivery has been judged or skipped.
            Assert.True((await PublishEventAsync(other, "lift-x1", """{"type":"alarm_button","seq":1}""", duplicate: false)).IsSuccess);
            await Eventually.BecomesAsync(() => restarted.Http.GetFromJsonAsync<JsonElement>("/api/alerts?type=elevator_entrapment"), a => a.GetArrayLength() == 2, TimeSpan.FromSeconds(10), "the marker alarm");
        }

        var alerts = await restarted.Http.GetFromJsonAsync<JsonElement[]>("/api/alerts?type=elevator_entrapment");
        var first = Assert.Single(alerts!, a => a.GetProperty("deviceId").GetString() == "lift-x0");
        Assert.Equal(1, first.GetProperty("count").GetInt32());
    }

    private static Task<MqttClientPublishResult> PublishEventAsync(IMqttClient lift, string deviceId, string payload, bool duplicate)
    {
        var message = new MqttApplicationMessageBuilder().WithTopic($"rp/{TestRegistry.Site}/elevator/{deviceId}/event").WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        message.Dup = duplicate;
        return lift.PublishAsync(message);
    }

    [Fact]
    public async Task Acknowledged_alarm_buttons_all_become_entrapment_alerts_once_after_a_kill_during_a_telemetry_flood()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir, extraLights: 8, extraElevators: Elevators),
        };
        var dataDir = Path.Combine(_workDir, "data");
        var hub = await HubProcess.StartAsync(dataDir, settings);
        var lifts = new List<IMqttClient>();
        var flooders = new List<IMqttClient>();
        using var stopFlood = new CancellationTokenSource();
        DateTimeOffset sentFrom, ackedBy;
        try
        {
            for (var i = 0; i < Elevators; i++)
            {
                lifts.Add(await hub.ConnectDeviceAsync($"lift-x{i}"));
            }

            for (var i = 0; i < 8; i++)
            {
                flooders.Add(await hub.ConnectDeviceAsync($"light-x{i}"));
            }

            var flood = flooders.Select(light => Task.Run(async () =>
            {
                var seq = 0;
                var topic = $"rp/{TestRegistry.Site}/light/{light.Options.ClientId[(TestRegistry.Site.Length + 1)..]}/telemetry";
                while (!stopFlood.IsCancellationRequested && light.IsConnected)
                {
                    var payload = string.Create(CultureInfo.InvariantCulture, $$"""{"on":false,"lux":12.5,"seq":{{++seq}}}""");
                    try
                    {
                        await light.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                            .WithQualityOfServiceLevel(seq % 2 == 0 ? MqttQualityOfServiceLevel.AtLeastOnce : MqttQualityOfServiceLevel.AtMostOnce).Build(), stopFlood.Token);
                    }
                    catch (Exception)
                    {
                        return;
                    }
                }
            })).ToArray();
            await Task.Delay(1000);

            sentFrom = DateTimeOffset.UtcNow;
            var alarms = lifts.Select((lift, i) => lift.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic($"rp/{TestRegistry.Site}/elevator/lift-x{i}/event")
                .WithPayload("""{"type":"alarm_button","seq":1}""")
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build())).ToArray();
            var results = await Task.WhenAll(alarms);
            await hub.KillAsync();
            ackedBy = DateTimeOffset.UtcNow;
            Assert.All(results, r => Assert.True(r.IsSuccess, $"PUBACK {r.ReasonCode}"));
            stopFlood.Cancel();
            await Task.WhenAll(flood);
        }
        finally
        {
            foreach (var client in lifts.Concat(flooders))
            {
                client.Dispose();
            }

            await hub.DisposeAsync();
        }

        await using var restarted = await HubProcess.StartAsync(dataDir, settings);
        await restarted.SignInAsync();
        var alerts = await restarted.Http.GetFromJsonAsync<JsonElement[]>($"/api/alerts?type=elevator_entrapment&limit=1000");
        Assert.NotNull(alerts);
        var byDevice = alerts.GroupBy(a => a.GetProperty("deviceId").GetString()).ToDictionary(g => g.Key!, g => g.ToArray());
        var missing = Enumerable.Range(0, Elevators).Select(i => $"lift-x{i}").Where(id => !byDevice.ContainsKey(id)).ToArray();
        Assert.True(missing.Length == 0, $"{missing.Length} of {Elevators} acknowledged alarms have no alert after the kill: {string.Join(", ", missing)}");
        Assert.All(byDevice.Values, found => Assert.Single(found));
        Assert.All(alerts, alert =>
        {
            var raisedAt = alert.GetProperty("raisedAt").GetDateTimeOffset();
            Assert.InRange(raisedAt, sentFrom.AddSeconds(-1), ackedBy.AddSeconds(1));
            Assert.Equal(1, alert.GetProperty("count").GetInt32());
        });
    }
}
