using MQTTnet;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// The v2 write path (InfluxDB.Client) against a real server speaking the v2 write API: Debian's
/// InfluxDB 1.6 has none, VictoriaMetrics does (it keeps numeric fields as metrics {measurement}_{field}).
/// </summary>
public sealed class InfluxV2PathTests : IAsyncLifetime
{
    private readonly VictoriaMetricsServer _victoria = new();
    private string _workDir = null!;
    private Dictionary<string, string?> _settings = null!;

    public async Task InitializeAsync()
    {
        await _victoria.StartAsync();
        _workDir = Directory.CreateTempSubdirectory("rp-test-").FullName;
        _settings = new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Influx:Version"] = "2",
            ["Influx:Url"] = _victoria.Url.ToString(),
            ["Influx:Org"] = "redproperty",
            ["Influx:Bucket"] = "telemetry",
            ["Influx:Token"] = "test-token",
            ["Influx:TimeoutMs"] = "1000",
        };
    }

    public async Task DisposeAsync()
    {
        await _victoria.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task Telemetry_written_through_the_v2_api_lands_with_its_tags()
    {
        await using var hub = await HubHost.StartAsync(_settings);
        var client = await hub.ConnectDeviceAsync("chg-1");
        var ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.True((await HubHost.PublishAsync(client, "rp/testsite/charger/chg-1/telemetry", $$"""{"circuit":"corridor","currentA":3.25,"tempC":41,"ts":{{ts}}}""")).IsSuccess);

        var series = await Eventually.BecomesAsync(() => _victoria.ExportAsync("charger_currentA"), s => s.Count == 1, what: "charger_currentA in VictoriaMetrics");
        var metric = series[0].GetProperty("metric");
        Assert.Equal("chg-1", metric.GetProperty("device").GetString());
        Assert.Equal("testsite", metric.GetProperty("site").GetString());
        Assert.Equal(TestRegistry.HostileZone, metric.GetProperty("zone").GetString());
        Assert.Equal("corridor", metric.GetProperty("circuit").GetString());
        Assert.Equal(3.25, series[0].GetProperty("values")[0].GetDouble());
        Assert.Equal(ts, series[0].GetProperty("timestamps")[0].GetInt64());
        await client.DisconnectAsync();
    }

    [Fact]
    public async Task While_the_v2_server_is_down_points_wait_in_the_journal_then_are_shipped()
    {
        await using var hub = await HubHost.StartAsync(_settings);
        var client = await hub.ConnectDeviceAsync("light-2");
        await _victoria.StopAsync();
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var seq = 1; seq <= 20; seq++)
        {
            Assert.True((await HubHost.PublishAsync(client, "rp/testsite/light/light-2/telemetry", $$"""{"lux":{{seq}},"seq":{{seq}},"ts":{{start + seq}}}""")).IsSuccess);
        }

        var waiting = await Eventually.BecomesAsync(async () => (await hub.GetJsonAsync("/healthz")).GetProperty("checks").GetProperty("influxdb"), c => c.GetProperty("status").GetString() == "Degraded", TimeSpan.FromSeconds(20), "InfluxDB seen down");
        Assert.Equal(20, waiting.GetProperty("data").GetProperty("lagRecords").GetInt64());
        await _victoria.StartAsync();
        var series = await Eventually.BecomesAsync(() => _victoria.ExportAsync("light_lux"), s => s.Count == 1 && s[0].GetProperty("values").GetArrayLength() == 20, TimeSpan.FromSeconds(60), "replayed light_lux samples");
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (double)i), series[0].GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
        await client.DisconnectAsync();
    }
}
