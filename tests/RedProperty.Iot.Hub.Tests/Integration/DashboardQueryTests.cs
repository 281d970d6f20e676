using System.Buffers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Domain.Registry;
using RedProperty.Iot.FirmwareSim.Capture;
using RedProperty.Iot.FirmwareSim.Devices;
using RedProperty.Iot.FirmwareSim.Scenarios;
using RedProperty.Iot.Hub.Tests.Infrastructure;
using RedProperty.Iot.Hub.TimeSeries;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// Every query of every panel of every dashboard in dashboards/, with its variables filled in, run
/// through a real influxd's /query over a night of simulator traffic: none may fail or come back empty.
/// </summary>
[Collection("heavy")]
public sealed class DashboardQueryTests : IAsyncLifetime
{
    /// <summary>The incidents the captured night lacks, so every panel has something to show.</summary>
    private const string Extra = """
        seed: 11
        start: 2026-11-28T19:00:00+08:00
        duration: 6h
        intervals: { light: 600s, charger: 120s, elevator: 120s, camera: 300s }
        sites:
          - id: nightcourt
            timeZone: Asia/Shanghai
            latitude: 28.23
            longitude: 112.87
            buildings: 2
            building: { stairwellLights: 1, corridorChargers: 1, elevators: 1, carCameras: 1 }
            zones:
              - { id: car-park, name: 地下车库, type: car-park, devices: { charger: 2 } }
        incidents:
          - { device: b01-lift-a, failure: fault, at: "20:00", for: 30m }
          - { device: b02-cam-a, failure: ebike, at: "21:00", for: 15m }
          - { device: car-park-chg-1, failure: overheat, at: "22:00", for: 20m }
        """;

    private string _workDir = null!;
    private InfluxServer _influx = null!;

    public async Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-dashboards-").FullName;
        _influx = new InfluxServer();
        await _influx.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _influx.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task Every_panel_query_of_every_dashboard_returns_data()
    {
        var (header, records) = CaptureReader.Read(Path.Combine(AppContext.BaseDirectory, "captures", "compound-night.jsonl"));
        await LoadCapturedNightThroughTheHubAsync(header, records);
        await WriteExtraTrafficAsync();

        var from = header.StartedAt.ToUnixTimeMilliseconds();
        var to = (header.StartedAt + records[^1].Offset + TimeSpan.FromMinutes(5)).ToUnixTimeMilliseconds();
        var dashboards = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "dashboards"), "*.json");
        Assert.Equal(6, dashboards.Length);
        var checkedQueries = 0;
        var problems = new List<string>();
        foreach (var file in dashboards)
        {
            using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(file));
            var variables = dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray().ToDictionary(v => v.GetProperty("name").GetString()!);
            Assert.True(variables.ContainsKey("site") && variables.ContainsKey("zone"), $"{Path.GetFileName(file)}: site and zone variables");
            foreach (var variable in variables.Values)
            {
                var values = await _influx.RowsAsync(variable.GetProperty("query").GetString()!.Replace("$site", "nightcourt", StringComparison.Ordinal));
                if (values.Count == 0)
                {
                    problems.Add($"{Path.GetFileName(file)} variable {variable.GetProperty("name")}: no values");
                }
            }

            foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
            {
                foreach (var target in panel.GetProperty("targets").EnumerateArray())
                {
                    var query = target.GetProperty("query").GetString()!
                        .Replace("$timeFilter", $"time >= {from}ms AND time <= {to}ms", StringComparison.Ordinal)
                        .Replace("$__interval", "10m", StringComparison.Ordinal)
                        .Replace("$site", "nightcourt", StringComparison.Ordinal)
                        .Replace("$zone", ".*", StringComparison.Ordinal);
                    checkedQueries++;
                    var where = $"{Path.GetFileName(file)} \"{panel.GetProperty("title").GetString()}\"";
                    try
                    {
                        if (!HasData(await _influx.QueryAsync(query)))
                        {
                            problems.Add($"{where}: no data for {query}");
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or InvalidOperationException)
                    {
                        problems.Add($"{where}: {e.Message} for {query}");
                    }
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.Equal(24, checkedQueries);
    }

    private static bool HasData(JsonDocument result)
    {
        var first = result.RootElement.GetProperty("results")[0];
        if (first.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException(error.GetString());
        }

        return first.TryGetProperty("series", out var series) && series.EnumerateArray().Any(s =>
            s.GetProperty("values").EnumerateArray().Any(row => row.EnumerateArray().Skip(1).Any(v => v.ValueKind is JsonValueKind.Number && v.GetDouble() != 0)));
    }

    /// <summary>The captured night through a real hub writing to influxd: telemetry, statuses and the alerts measurement; one alert acknowledged.</summary>
    private async Task LoadCapturedNightThroughTheHubAsync(CaptureHeader header, IReadOnlyList<CaptureRecord> records)
    {
        var scenario = ScenarioReader.Load(Path.Combine(AppContext.BaseDirectory, "captures", "compound-night.yaml"));
        var registryPath = Path.Combine(_workDir, "registry.json");
        RegistryFile.Write(ScenarioRegistry.Build(scenario), registryPath);
        var clock = new FakeTimeProvider(header.StartedAt);
        await using var hub = await HubHost.StartAsync(HubHost.InfluxV1(_influx, registryPath), configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        await CaptureReplayer.ReplayAsync(records, RegistryFile.ReadIdentities(registryPath), new Uri($"mqtt://127.0.0.1:{hub.MqttPort}"), Pace.AsFastAsPossible, TextWriter.Null, CancellationToken.None,
            (offset, _) =>
            {
                if (header.StartedAt + offset > clock.GetUtcNow())
                {
                    clock.SetUtcNow(header.StartedAt + offset);
                }

                return ValueTask.CompletedTask;
            });

        var lamp = await Eventually.BecomesAsync(() => hub.GetJsonAsync("/api/alerts?state=active&type=broken_light"), a => a.GetArrayLength() > 0, TimeSpan.FromSeconds(10), "a broken lamp to acknowledge");
        clock.Advance(TimeSpan.FromMinutes(1));
        (await hub.Http.PostAsJsonAsync($"/api/alerts/{lamp[0].GetProperty("id").GetString()}/ack", new { note = "electrician called" })).EnsureSuccessStatusCode();
        await Eventually.BecomesAsync(async () => (await _influx.RowsAsync("SELECT count(\"id\") FROM \"alerts\" WHERE \"action\" = 'acknowledged'")).Count, n => n > 0, TimeSpan.FromSeconds(20), "the acknowledgement in InfluxDB");
    }

    /// <summary>More simulator traffic written straight to /write: an elevator fault, an e-bike in a car, an overheating charger.</summary>
    private async Task WriteExtraTrafficAsync()
    {
        var scenario = ScenarioReader.Read(new StringReader(Extra), "extra.yaml");
        var registry = RegistryImporter.Import(ScenarioRegistry.Build(scenario), _ => "unused", AlertThresholds.Defaults).Registry!;
        var lines = new StringBuilder();
        foreach (var message in TrafficTimeline.Build(scenario).Where(m => m.Channel == DeviceChannel.Telemetry))
        {
            var device = registry.SitesById[message.Device.Site].Devices[message.Device.Id];
            var telemetry = PayloadDecoder.DecodeTelemetry(device.Kind, new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(message.Payload))).Value!;
            var circuit = telemetry is ChargerTelemetry charger ? charger.Circuit ?? device.Circuit : null;
            lines.Append(PointMapper.Telemetry(device, telemetry, circuit, (scenario.Start + message.Offset).ToUnixTimeMilliseconds())).Append('\n');
        }

        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(_influx.Url, $"/write?db={InfluxServer.Database}&precision=ms"), new StringContent(lines.ToString()));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
