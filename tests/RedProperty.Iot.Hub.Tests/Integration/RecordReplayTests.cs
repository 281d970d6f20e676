using System.Text.Json;
using System.Text.RegularExpressions;
using RedProperty.Iot.FirmwareSim.Capture;
using RedProperty.Iot.FirmwareSim.Commands;
using RedProperty.Iot.FirmwareSim.Devices;
using RedProperty.Iot.FirmwareSim.Scenarios;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>The simulator against a real external broker (Debian's mosquitto): live run, record, replay.</summary>
public sealed partial class RecordReplayTests : IAsyncLifetime
{
    private const string Scenario = """
        seed: 3
        start: 2026-11-28T20:00:00+08:00
        duration: 20m
        speed: max
        intervals: { light: 60s, charger: 30s, elevator: 20s, camera: 60s }
        sites:
          - id: court
            name: 测试苑
            timeZone: Asia/Shanghai
            buildings: 2
            building: { stairwellLights: 1, corridorChargers: 1, elevators: 1, carCameras: 1 }
            zones:
              - { id: gate, name: 正门, type: gate, devices: { camera: 1 } }
        incidents:
          - { device: gate-cam-1, failure: offline, at: +5m, for: 5m }
          - { device: b01-lift-a, failure: alarm_button, at: +8m }
        """;

    private string _workDir = null!;
    private MosquittoServer _broker = null!;

    public async Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-record-").FullName;
        _broker = await MosquittoServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task A_live_run_recorded_from_the_broker_replays_to_the_same_traffic()
    {
        var scenario = ScenarioReader.Read(new StringReader(Scenario), "court.yaml");
        var registryPath = Path.Combine(_workDir, "registry.json");
        RegistryFile.Write(ScenarioRegistry.Build(scenario), registryPath);

        var live = Path.Combine(_workDir, "live.jsonl");
        var liveRecord = await RecordAsync(_broker, live, async () =>
        {
            var exit = await ScenarioRunCommand.RunAsync(scenario, registryPath, _broker.Url, new RunSettings(null, 0, TimeSpan.FromMinutes(2), null, false), TextWriter.Null, CancellationToken.None);
            Assert.Equal(0, exit);
        });

        var timeline = TrafficTimeline.Build(scenario);
        // At the end of a live run every device signs off with a retained offline: not part of the scenario's traffic.
        var lastOfTopic = liveRecord.Select((r, i) => (r.Topic, i)).GroupBy(x => x.Topic).ToDictionary(g => g.Key, g => g.Max(x => x.i));
        var scenarioPart = liveRecord.Where((r, i) => !(r.Topic.EndsWith("/status", StringComparison.Ordinal) && r.Payload == "offline" && lastOfTopic[r.Topic] == i)).ToArray();
        Assert.Equal(scenario.Devices.Count(), liveRecord.Count - scenarioPart.Length);

        // What the devices published, as the broker delivered it; the outage's offline is the broker's will, not a publish.
        Assert.Equal(Strip(timeline.Select(m => (m.Topic, m.Payload))), Strip(scenarioPart.Select(r => (r.Topic, r.Payload!))));
        var will = Assert.Single(scenarioPart, r => r.Topic == "rp/court/camera/gate-cam-1/status" && r.Payload == "offline");
        Assert.True(will.Retain);
        Assert.Contains(liveRecord, r => r.Topic == "rp/court/elevator/b01-lift-a/event" && r.Payload!.Contains("alarm_button", StringComparison.Ordinal));

        // Live devices stamp readings with their own clock: here two minutes fast, as --clock-skew asked.
        var ts = JsonDocument.Parse(liveRecord.First(r => r.Topic.EndsWith("/telemetry", StringComparison.Ordinal)).Payload!).RootElement.GetProperty("ts").GetInt64();
        Assert.InRange(DateTimeOffset.FromUnixTimeMilliseconds(ts) - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(3));

        // Replayed to a fresh broker (this one keeps the run's retained statuses), recorded again: the same messages in the same order.
        await using var fresh = await MosquittoServer.StartAsync();
        var replayed = Path.Combine(_workDir, "replayed.jsonl");
        var (_, records) = CaptureReader.Read(live);
        var replayRecord = await RecordAsync(fresh, replayed, async () =>
        {
            var outcome = await CaptureReplayer.ReplayAsync(records, RegistryFile.ReadIdentities(registryPath), fresh.Url, Pace.AsFastAsPossible, TextWriter.Null, CancellationToken.None);
            Assert.Equal(records.Count, outcome.Published);
        });
        Assert.Equal(records.Select(r => (r.Topic, r.Payload, r.Qos, r.Retain)), replayRecord.Select(r => (r.Topic, r.Payload, r.Qos, r.Retain)));
    }

    [Fact]
    public async Task Recording_from_an_unreachable_broker_fails_with_a_clear_message()
    {
        var error = await Assert.ThrowsAsync<IOException>(() => CaptureRecorder.RecordAsync(
            new Uri($"mqtt://127.0.0.1:{FreePort.Next()}"), null, null, ["rp/#"], Path.Combine(_workDir, "x.jsonl"), TimeSpan.FromSeconds(1), TextWriter.Null, CancellationToken.None));
        Assert.StartsWith("cannot reach the broker at mqtt://127.0.0.1:", error.Message);
    }

    /// <summary>Records while <paramref name="traffic"/> runs, then a moment longer, and returns what was captured.</summary>
    private static async Task<IReadOnlyList<CaptureRecord>> RecordAsync(MosquittoServer broker, string path, Func<Task> traffic)
    {
        using var stop = new CancellationTokenSource();
        var output = new StringWriter();
        var recording = CaptureRecorder.RecordAsync(broker.Url, null, null, ["rp/#"], path, null, TextWriter.Synchronized(output), stop.Token);
        await Eventually.BecomesAsync(() => Task.FromResult(output.ToString()), o => o.Contains("recording", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the recorder subscribed");
        await traffic();
        await Task.Delay(500);
        await stop.CancelAsync();
        await recording;
        return CaptureReader.Read(path).Records;
    }

    /// <summary>Per topic, the payloads in order without their timestamps (live devices restamp them).</summary>
    private static Dictionary<string, string[]> Strip(IEnumerable<(string Topic, string Payload)> messages) => messages
        .GroupBy(m => m.Topic)
        .ToDictionary(g => g.Key, g => g.Select(m => Ts().Replace(m.Payload, string.Empty)).ToArray());

    [GeneratedRegex(",\"ts\":\\d+")]
    private static partial Regex Ts();
}
