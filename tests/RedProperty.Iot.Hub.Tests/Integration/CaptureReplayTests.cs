using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using RedProperty.Iot.FirmwareSim.Capture;
using RedProperty.Iot.FirmwareSim.Devices;
using RedProperty.Iot.FirmwareSim.Scenarios;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// Captured device traffic (tests/captures) replayed through the real hub as the devices that sent
/// it. The hub runs on a virtual clock moved to each message's captured time, so a night of traffic
/// takes seconds and every time-based rule sees the night's real spacing.
/// </summary>
public sealed class CaptureReplayTests : IAsyncLifetime
{
    private string _workDir = null!;

    public Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-replay-").FullName;
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_workDir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_captured_night_raises_exactly_the_scripted_alerts_and_nothing_else()
    {
        var scenario = ScenarioReader.Load(Capture("compound-night.yaml"));
        var registryPath = Path.Combine(_workDir, "registry.json");
        RegistryFile.Write(ScenarioRegistry.Build(scenario), registryPath);
        var (header, records) = CaptureReader.Read(Capture("compound-night.jsonl"));
        var clock = new FakeTimeProvider(header.StartedAt);

        await using var hub = await HubHost.StartAsync(
            new Dictionary<string, string?> { ["Hub:Registry"] = registryPath, ["Influx:Version"] = "none" },
            configure: builder => builder.Services.AddSingleton<TimeProvider>(clock));

        var outcome = await CaptureReplayer.ReplayAsync(
            records,
            RegistryFile.ReadIdentities(registryPath),
            new Uri($"mqtt://127.0.0.1:{hub.MqttPort}"),
            Pace.AsFastAsPossible,
            TextWriter.Null,
            CancellationToken.None,
            beforePublish: (offset, _) =>
            {
                var at = header.StartedAt + offset;
                if (at > clock.GetUtcNow())
                {
                    clock.SetUtcNow(at);
                }

                return ValueTask.CompletedTask;
            });
        Assert.Equal(records.Count, outcome.Published);

        // The alert service works through its queue after the last PUBACK: wait until the list stops changing.
        var alerts = await Eventually.BecomesAsync(
            async () => Describe(await hub.GetJsonAsync("/api/alerts?limit=1000")),
            new Stability().Reached,
            TimeSpan.FromSeconds(20),
            "a settled alert list");

        var expected = File.ReadAllLines(Capture("compound-night.alerts.txt")).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        Assert.Equal(expected, alerts);
        Assert.Equal(0, await hub.MetricAsync("rp_hub_timestamps_corrected_total"));
    }

    [Fact]
    public void The_checked_in_capture_is_what_its_scenario_renders()
    {
        // Same scenario, same seed: the same traffic, byte for byte, so the capture can always be made again.
        var scenario = ScenarioReader.Load(Capture("compound-night.yaml"));
        var rendered = TrafficTimeline.Build(scenario);
        var (header, records) = CaptureReader.Read(Capture("compound-night.jsonl"));
        Assert.Equal(scenario.Start, header.StartedAt);
        Assert.Equal(rendered.Count, records.Count);
        for (var i = 0; i < rendered.Count; i++)
        {
            Assert.Equal(rendered[i].Topic, records[i].Topic);
            Assert.Equal(rendered[i].Payload, records[i].Payload);
            Assert.Equal(Math.Round(rendered[i].Offset.TotalSeconds, 3), records[i].T);
        }
    }

    private static string[] Describe(JsonElement alerts) => alerts.EnumerateArray()
        .Select(a => $"{a.GetProperty("type").GetString()} {a.GetProperty("site").GetString()}/{a.GetProperty("deviceId").GetString()} {a.GetProperty("severity").GetString()} {a.GetProperty("state").GetString()}")
        .Order(StringComparer.Ordinal)
        .ToArray();

    private static string Capture(string name) => Path.Combine(AppContext.BaseDirectory, "captures", name);

    /// <summary>True once the same list has been seen three polls in a row.</summary>
    private sealed class Stability
    {
        private string? _last;
        private int _same;

        public bool Reached(string[] current)
        {
            var joined = string.Join('\n', current);
            _same = joined == _last ? _same + 1 : 0;
            _last = joined;
            return _same >= 2 && current.Length > 0;
        }
    }
}
