using MQTTnet;
using MQTTnet.Protocol;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>InfluxDB outages, hub restarts and a full journal, with a real influxd that is really stopped.</summary>
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
    public async Task Influx_down_for_a_minute_under_load_then_back_every_acknowledged_message_is_there_once_in_order()
    {
        var settings = HubHost.InfluxV1(_influx, _registry);
        settings["Influx:TimeoutMs"] = "1000";
        await using var hub = await HubHost.StartAsync(settings);
        string[] devices = ["light-1", "light-2", "chg-1"];
        var start = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        var acknowledged = new int[devices.Length];
        using var stop = new CancellationTokenSource();

        var publishers = devices.Select((id, index) => Task.Run(async () =>
        {
            var client = await hub.ConnectDeviceAsync(id);
            var kind = id.StartsWith("chg", StringComparison.Ordinal) ? "charger" : "light";
            for (var seq = 1; !stop.IsCancellationRequested; seq++)
            {
                var payload = kind == "charger"
                    ? $$"""{"currentA":1.5,"seq":{{seq}},"ts":{{start + seq}}}"""
                    : $$"""{"on":true,"lux":{{seq}},"seq":{{seq}},"ts":{{start + seq}}}""";
                var result = await HubHost.PublishAsync(client, $"rp/testsite/{kind}/{id}/telemetry", payload);
                Assert.True(result.IsSuccess, $"{id} seq {seq}: {result.ReasonCode}");
                acknowledged[index] = seq;
                await Task.Delay(10);
            }

            await client.DisconnectAsync();
        })).ToArray();

        await Task.Delay(1000);
        await _influx.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(60));
        var waiting = await ShipperLagAsync(hub);
        await _influx.StartAsync();
        await Task.Delay(2000);
        await stop.CancelAsync();
        await Task.WhenAll(publishers);

        Assert.True(waiting > 1000, $"during the outage points should have waited in the journal ({waiting})");
        for (var i = 0; i < devices.Length; i++)
        {
            var (id, sent) = (devices[i], acknowledged[i]);
            var measurement = id.StartsWith("chg", StringComparison.Ordinal) ? "charger" : "light";
            await Eventually.BecomesAsync(() => _influx.CountAsync(measurement, "seq", $"device = '{id}'"), n => n == sent, TimeSpan.FromSeconds(90), $"{id}: {sent} points in InfluxDB");
            var seqs = (await _influx.RowsAsync($"SELECT seq FROM {measurement} WHERE device = '{id}'")).Select(r => r["seq"].GetInt64()).ToArray();
            Assert.Equal(Enumerable.Range(1, sent).Select(n => (long)n), seqs);
        }

        await Eventually.BecomesAsync(() => ShipperLagAsync(hub), lag => lag == 0, what: "journal shipped");
    }

    private static async Task<long> ShipperLagAsync(HubHost hub) =>
        (await hub.GetJsonAsync("/healthz")).GetProperty("checks").GetProperty("influxdb").GetProperty("data").GetProperty("lagRecords").GetInt64();

    [Fact]
    public async Task Points_left_in_the_journal_by_a_stopped_hub_are_shipped_when_it_starts_again()
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
            await Eventually.BecomesAsync(() => ShipperLagAsync(first), lag => lag >= 41, what: "points waiting in the journal");
            // Degraded once the shipper's first write (after its batch delay) has failed.
            await Eventually.BecomesAsync(
                async () => (await first.GetJsonAsync("/healthz")).GetProperty("checks").GetProperty("influxdb").GetProperty("status").GetString(),
                status => status == "Degraded", what: "InfluxDB reported unreachable");
        }

        Assert.NotEmpty(Directory.GetFiles(Path.Combine(dataDir, "journal"), "*.journal"));
        await _influx.StartAsync();
        await using var second = await HubHost.StartAsync(settings, dataDir);
        await Eventually.BecomesAsync(() => _influx.CountAsync("light", "seq", "device = 'light-2'"), n => n == 41, TimeSpan.FromSeconds(30), "replayed points");
        var rows = await _influx.RowsAsync("SELECT lux FROM light WHERE device = 'light-2'");
        Assert.Equal(Enumerable.Range(1, 41).Select(i => (double)i), rows.Select(r => r["lux"].GetDouble()));
        await Eventually.BecomesAsync(() => ShipperLagAsync(second), lag => lag == 0, what: "journal shipped");
        Directory.Delete(dataDir, recursive: true);
    }

    [Fact]
    public async Task A_full_journal_drops_the_oldest_unshipped_points_and_counts_them_but_keeps_acknowledging()
    {
        var dataDir = Directory.CreateTempSubdirectory("rp-hub-").FullName;
        var withoutInflux = new Dictionary<string, string?>
        {
            ["Hub:Registry"] = _registry,
            ["Influx:Version"] = "none",
            ["Journal:MaxBytes"] = "16384",
            ["Journal:SegmentBytes"] = "4096",
            ["Journal:CommitMaxBytes"] = "4096",
        };
        const int sent = 150;
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        double dropped;
        long kept;
        await using (var hub = await HubHost.StartAsync(withoutInflux, dataDir))
        {
            var client = await hub.ConnectDeviceAsync("light-2");
            for (var seq = 1; seq <= sent; seq++)
            {
                Assert.True((await HubHost.PublishAsync(client, "rp/testsite/light/light-2/telemetry", $$"""{"lux":{{seq}},"seq":{{seq}},"ts":{{start + seq}}}""")).IsSuccess);
            }

            await client.DisconnectAsync();
            dropped = await hub.MetricAsync("rp_hub_journal_records_dropped_total{consumer=\"influx\"}");
            var checks = (await hub.GetJsonAsync("/healthz")).GetProperty("checks");
            kept = checks.GetProperty("influxdb").GetProperty("data").GetProperty("lagRecords").GetInt64();
            var journal = checks.GetProperty("journal");
            Assert.Equal("Degraded", journal.GetProperty("status").GetString());
            Assert.True(journal.GetProperty("data").GetProperty("bytes").GetInt64() <= 16384);
        }

        Assert.True(dropped > 0, "the full journal should have dropped the oldest unshipped points");
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
        // The bad point may come in the same batch as the good ones or in the next: either way it is set aside alone.
        await Eventually.BecomesAsync(() => hub.MetricAsync("rp_hub_points_dropped_total{reason=\"rejected_by_influx\"}"), n => n == 1, what: "the bad point set aside");
        var deadLetters = await File.ReadAllTextAsync(Path.Combine(hub.DataDir, "dead-letter.lp"));
        Assert.Contains("device=light-1", deadLetters, StringComparison.Ordinal);
        Assert.Contains("field type conflict", deadLetters, StringComparison.Ordinal);

        // The shipper moves on: later points land, nothing waits in the journal.
        Assert.True((await HubHost.PublishAsync(good, "rp/testsite/charger/chg-1/telemetry", $$"""{"currentA":11,"seq":11,"ts":{{start + 11}}}""")).IsSuccess);
        await Eventually.BecomesAsync(() => _influx.CountAsync("charger", "seq"), n => n == 11, what: "the later point");
        await Eventually.BecomesAsync(() => ShipperLagAsync(hub), lag => lag == 0, what: "journal shipped");
        await bad.DisconnectAsync();
        await good.DisconnectAsync();
    }
}
