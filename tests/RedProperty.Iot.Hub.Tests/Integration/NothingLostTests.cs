using MQTTnet;
using MQTTnet.Protocol;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>InfluxDB outages, hub restarts and a full spool, with a real influxd that is really stopped.</summary>
public sealed class NothingLostTests : IAsyncLifetime
{
    private readonly InfluxServer _influx = new();
    private string _workDir = null!;
    private string _registry = null!;

    public async Task InitializeAsync()
    {
        await _influx.StartAsync();
        _workDir = Directory.CreateTempSubdirectory("rp-test-").FullName;
        _registry = TestRegistry.Write(_workDir);
    }

    public async Task DisposeAsync()
    {
        await _influx.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task Influx_stopped_mid_stream_then_started_every_acknowledged_message_is_there_once()
    {
        var settings = HubHost.InfluxV1(_influx, _registry);
        settings["Influx:TimeoutMs"] = "1000";
        await using var hub = await HubHost.StartAsync(settings);
        string[] devices = ["light-1", "light-2", "chg-1"];
        const int perDevice = 150;
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var acknowledged = new int[devices.Length];

        var publishers = devices.Select((id, index) => Task.Run(async () =>
        {
            var client = await hub.ConnectDeviceAsync(id);
            var kind = id.StartsWith("chg", StringComparison.Ordinal) ? "charger" : "light";
            for (var seq = 1; seq <= perDevice; seq++)
            {
                var payload = kind == "charger"
                    ? $$"""{"currentA":1.5,"seq":{{seq}},"ts":{{start + seq}}}"""
                    : $$"""{"on":true,"lux":{{seq}},"seq":{{seq}},"ts":{{start + seq}}}""";
                var result = await HubHost.PublishAsync(client, $"rp/testsite/{kind}/{id}/telemetry", payload);
                if (result.IsSuccess)
                {
                    acknowledged[index]++;
                }

                await Task.Delay(15);
            }

            await client.DisconnectAsync();
        })).ToArray();

        await Task.Delay(600);
        await _influx.StopAsync();
        await Task.Delay(2500);
        await _influx.StartAsync();
        await Task.WhenAll(publishers);

        Assert.Equal(Enumerable.Repeat(perDevice, devices.Length), acknowledged);
        Assert.True(await hub.MetricAsync("rp_hub_points_spooled_total") > 0, "the outage should have sent points to the spool");
        foreach (var id in devices)
        {
            var measurement = id.StartsWith("chg", StringComparison.Ordinal) ? "charger" : "light";
            await Eventually.BecomesAsync(() => _influx.CountAsync(measurement, "seq", $"device = '{id}'"), n => n == perDevice, TimeSpan.FromSeconds(60), $"{id} points in InfluxDB");
        }

        var distinct = await _influx.RowsAsync("SELECT count(distinct(seq)) FROM light WHERE device = 'light-1'");
        Assert.Equal(perDevice, distinct[0]["count"].GetInt64());
        await Eventually.BecomesAsync(async () => (await hub.GetJsonAsync("/healthz")).GetProperty("checks").GetProperty("spool").GetProperty("data").GetProperty("points").GetInt64(), p => p == 0, what: "spool drained");
    }

    [Fact]
    public async Task A_spool_left_by_a_stopped_hub_is_replayed_when_it_starts_again()
    {
        await _influx.StopAsync();
        var dataDir = Directory.CreateTempSubdirectory("rp-hub-").FullName;
        var settings = HubHost.InfluxV1(_influx, _registry);
        settings["Influx:TimeoutMs"] = "500";
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using (var first = await HubHost.StartAsync(settings, dataDir))
        {
            var client = await first.ConnectDeviceAsync("light-2");
            for (var seq = 1; seq <= 40; seq++)
            {
                Assert.True((await HubHost.PublishAsync(client, "rp/testsite/light/light-2/telemetry", $$"""{"lux":{{seq}},"seq":{{seq}},"ts":{{start + seq}}}""")).IsSuccess);
            }

            // QoS 0 is not acknowledged, but what reached the hub is kept all the same.
            await HubHost.PublishAsync(client, "rp/testsite/light/light-2/telemetry", $$"""{"lux":41,"seq":41,"ts":{{start + 41}}}""", MqttQualityOfServiceLevel.AtMostOnce);
            await client.DisconnectAsync();
            await Eventually.BecomesAsync(async () => (await first.GetJsonAsync("/healthz")).GetProperty("checks").GetProperty("spool").GetProperty("data").GetProperty("points").GetInt64(), p => p >= 41, what: "points spooled");
            var health = await first.GetJsonAsync("/healthz");
            Assert.Equal("Degraded", health.GetProperty("checks").GetProperty("influxdb").GetProperty("status").GetString());
        }

        Assert.NotEmpty(Directory.GetFiles(Path.Combine(dataDir, "spool"), "*.seg"));
        await _influx.StartAsync();
        await using var second = await HubHost.StartAsync(settings, dataDir);
        await Eventually.BecomesAsync(() => _influx.CountAsync("light", "seq", "device = 'light-2'"), n => n == 41, TimeSpan.FromSeconds(30), "replayed points");
        var rows = await _influx.RowsAsync("SELECT lux FROM light WHERE device = 'light-2'");
        Assert.Equal(Enumerable.Range(1, 41).Select(i => (double)i), rows.Select(r => r["lux"].GetDouble()));
        await Eventually.BecomesAsync(() => Task.FromResult(Directory.GetFiles(Path.Combine(dataDir, "spool"), "*.seg").Length), n => n == 0, what: "spool files removed once drained");
        Directory.Delete(dataDir, recursive: true);
    }

    [Fact]
    public async Task A_full_spool_drops_its_oldest_points_and_counts_them()
    {
        var dataDir = Directory.CreateTempSubdirectory("rp-hub-").FullName;
        var spoolOnly = new Dictionary<string, string?>
        {
            ["Hub:Registry"] = _registry,
            ["Influx:Version"] = "none",
            ["Influx:SpoolMaxBytes"] = "4096",
            ["Influx:SpoolSegmentBytes"] = "1024",
        };
        const int sent = 150;
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        double dropped;
        long kept;
        await using (var hub = await HubHost.StartAsync(spoolOnly, dataDir))
        {
            var client = await hub.ConnectDeviceAsync("light-2");
            for (var seq = 1; seq <= sent; seq++)
            {
                Assert.True((await HubHost.PublishAsync(client, "rp/testsite/light/light-2/telemetry", $$"""{"lux":{{seq}},"seq":{{seq}},"ts":{{start + seq}}}""")).IsSuccess);
            }

            await client.DisconnectAsync();
            dropped = await hub.MetricAsync("rp_hub_points_dropped_total{reason=\"spool_full\"}");
            var spool = (await hub.GetJsonAsync("/healthz")).GetProperty("checks").GetProperty("spool");
            kept = spool.GetProperty("data").GetProperty("points").GetInt64();
            Assert.Equal("Degraded", spool.GetProperty("status").GetString());
            Assert.True(spool.GetProperty("data").GetProperty("bytes").GetInt64() <= 4096);
        }

        Assert.True(dropped > 0, "the spool should have dropped points");
        Assert.Equal(sent, dropped + kept);

        // What is left is the newest points: replay them into InfluxDB and look.
        await using var replaying = await HubHost.StartAsync(HubHost.InfluxV1(_influx, _registry), dataDir);
        await Eventually.BecomesAsync(() => _influx.CountAsync("light", "seq", "device = 'light-2'"), n => n == kept, TimeSpan.FromSeconds(30), "kept points replayed");
        var rows = await _influx.RowsAsync("SELECT seq FROM light WHERE device = 'light-2'");
        Assert.Equal(Enumerable.Range((int)(sent - kept + 1), (int)kept).Select(i => (long)i), rows.Select(r => r["seq"].GetInt64()));
        Directory.Delete(dataDir, recursive: true);
    }

    [Fact]
    public async Task A_point_influx_refuses_as_bad_data_neither_blocks_the_queue_nor_takes_good_points_with_it()
    {
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // Make "lux" a string field in this shard, so a numeric lux is a field type conflict (HTTP 400).
        using (var http = new HttpClient())
        {
            var seed = await http.PostAsync(new Uri(_influx.Url, $"/write?db={InfluxServer.Database}&precision=ms"),
                new StringContent($"light,site=testsite,zone=grid-2,device=seed lux=\"text\" {start}"));
            Assert.True(seed.IsSuccessStatusCode);
        }

        var settings = HubHost.InfluxV1(_influx, _registry);
        settings["Influx:BatchDelayMs"] = "300";
        await using var hub = await HubHost.StartAsync(settings);
        var bad = await hub.ConnectDeviceAsync("light-1");
        var good = await hub.ConnectDeviceAsync("chg-1");

        // One batch: the bad light point among good charger points.
        var sends = new List<Task<MqttClientPublishResult>> { HubHost.PublishAsync(bad, "rp/testsite/light/light-1/telemetry", $$"""{"lux":5,"ts":{{start + 1}}}""") };
        for (var seq = 1; seq <= 10; seq++)
        {
            sends.Add(HubHost.PublishAsync(good, "rp/testsite/charger/chg-1/telemetry", $$"""{"currentA":{{seq}},"seq":{{seq}},"ts":{{start + seq}}}""", MqttQualityOfServiceLevel.AtMostOnce));
        }

        await Task.WhenAll(sends);
        Assert.True((await sends[0]).IsSuccess);
        await Eventually.BecomesAsync(() => _influx.CountAsync("charger", "seq"), n => n == 10, what: "good points of the batch");
        Assert.Equal(1, await hub.MetricAsync("rp_hub_points_dropped_total{reason=\"rejected_by_influx\"}"));
        var deadLetters = await File.ReadAllTextAsync(Path.Combine(hub.DataDir, "dead-letter.lp"));
        Assert.Contains("device=light-1", deadLetters, StringComparison.Ordinal);
        Assert.Contains("field type conflict", deadLetters, StringComparison.Ordinal);

        // The queue moves on: later points land directly, nothing waits in the spool.
        Assert.True((await HubHost.PublishAsync(good, "rp/testsite/charger/chg-1/telemetry", $$"""{"currentA":11,"seq":11,"ts":{{start + 11}}}""")).IsSuccess);
        Assert.Equal(11, await _influx.CountAsync("charger", "seq"));
        Assert.Equal(0, (await hub.GetJsonAsync("/healthz")).GetProperty("checks").GetProperty("spool").GetProperty("data").GetProperty("points").GetInt64());
        await bad.DisconnectAsync();
        await good.DisconnectAsync();
    }
}
