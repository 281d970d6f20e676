using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using RedProperty.Iot.Alerts;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Alerts.Storage;
using RedProperty.Iot.Hub.Tests.Infrastructure;
using RedProperty.Iot.Registry;
using Xunit.Abstractions;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>A desk client that stops reading must not hold up the other desks, and is dropped.</summary>
[Collection("heavy")]
public sealed class SlowDeskClientTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Cameras = 20;
    private const int SeededLights = 300;
    private const int CyclesPerLight = 10;
    private readonly string _workDir = Directory.CreateTempSubdirectory("rp-slowdesk-").FullName;
    private HubHost _hub = null!;

    public async Task InitializeAsync()
    {
        _hub = await HubHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir, extraLights: SeededLights, extraCameras: 2 * Cameras),
            ["Influx:Version"] = "none",
            // Only the alerts the test makes: no device_offline for the hundreds of silent devices.
            ["Alerts:Thresholds:OfflineIntervals"] = "1000000",
        });
    }

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task A_desk_that_does_not_read_its_catch_up_holds_up_no_other_desk_and_is_dropped()
    {
        // About 6 000 changes in the change log: lamps going dark and coming back, through the alert service.
        var seeded = await SeedChangesAsync();
        output.WriteLine($"seeded {seeded} changes");
        Assert.True(seeded >= SeededLights * CyclesPerLight * 2, $"only {seeded} changes in the log");

        var token = await _hub.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword);
        await using var desk = await DeskClient.ConnectAsync(_hub, token);
        await desk.WaitForAsync("snapshot");
        var cameras = new List<IMqttClient>();
        for (var i = 0; i < 2 * Cameras; i++)
        {
            cameras.Add(await _hub.ConnectDeviceAsync($"cam-x{i}"));
        }

        var baseline = await AlertLatenciesAsync(desk, cameras[..Cameras]);

        // A second desk asks for everything since 0 and then reads nothing (pinging, so it looks alive).
        await using var stuck = await StuckDeskClient.ConnectAsync(_hub.HttpUrl, token, lastSeq: 0);
        var stuckSince = Stopwatch.StartNew();
        await Task.Delay(1000);
        var beside = await AlertLatenciesAsync(desk, cameras[Cameras..]);

        output.WriteLine($"publish -> alertRaised without the stuck desk: {Describe(baseline)}");
        output.WriteLine($"publish -> alertRaised beside the stuck desk:  {Describe(beside)}");
        Assert.All(beside, l => Assert.True(l is not null, $"only {beside.Count(x => x is not null)} of {Cameras} alerts reached the desk beside the stuck one: {Describe(beside)}"));
        var limit = (5 * Median(baseline)) + 200;
        Assert.True(Median(beside) < limit, $"median {Median(beside):0} ms beside the stuck desk, {Median(baseline):0} ms without it (limit {limit:0} ms)");

        // The hub drops the stuck desk (counted), and closes its socket, within a bounded time.
        await Eventually.BecomesAsync(() => _hub.MetricAsync("rp_hub_desk_clients_dropped_total{reason=\"stalled\"}"), n => n >= 1, TimeSpan.FromSeconds(30), "the stuck desk dropped");
        output.WriteLine($"stuck desk dropped after {stuckSince.Elapsed.TotalSeconds:0.0} s");
        Assert.True(await stuck.ReadUntilClosedAsync(TimeSpan.FromSeconds(15)), "the hub did not close the stuck desk's connection");

        // The desk that reads is still connected and still served.
        cameras.Add(await _hub.ConnectDeviceAsync("cam-1"));
        await HubHost.PublishAsync(cameras[^1], $"rp/{TestRegistry.Site}/camera/cam-1/telemetry", """{"online":true,"tamper":true}""");
        await desk.WaitForAsync("alertRaised", p => p.GetProperty("deviceId").GetString() == "cam-1", TimeSpan.FromSeconds(10));
        foreach (var camera in cameras)
        {
            await camera.DisconnectAsync();
            camera.Dispose();
        }
    }

    /// <summary>Each camera reports tampering, 150 ms apart; the time from its publish to the desk's alertRaised (null: never arrived).</summary>
    private static async Task<double?[]> AlertLatenciesAsync(DeskClient desk, IReadOnlyList<IMqttClient> cameras)
    {
        var published = new DateTime[cameras.Count];
        for (var i = 0; i < cameras.Count; i++)
        {
            var id = cameras[i].Options.ClientId.Split('/')[1];
            published[i] = DateTime.UtcNow;
            await HubHost.PublishAsync(cameras[i], $"rp/{TestRegistry.Site}/camera/{id}/telemetry", """{"online":true,"tamper":true}""");
            await Task.Delay(150);
        }

        var latencies = new double?[cameras.Count];
        var deadline = DateTime.UtcNow.AddSeconds(30);
        for (var i = 0; i < cameras.Count; i++)
        {
            var id = cameras[i].Options.ClientId.Split('/')[1];
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                break;
            }

            try
            {
                var (_, at) = await desk.WaitForAsync("alertRaised", p => p.GetProperty("deviceId").GetString() == id && p.GetProperty("type").GetString() == "camera_tamper", left);
                latencies[i] = (at - published[i]).TotalMilliseconds;
            }
            catch (Xunit.Sdk.FailException)
            {
                // Never arrived: left null.
            }
        }

        return latencies;
    }

    private async Task<long> SeedChangesAsync()
    {
        var service = _hub.Services.GetRequiredService<AlertService>();
        var registry = _hub.Services.GetRequiredService<DeviceRegistry>();
        var started = Stopwatch.StartNew();
        for (var cycle = 0; cycle < CyclesPerLight; cycle++)
        {
            for (var i = 0; i < SeededLights; i++)
            {
                registry.TryGetDevice(TestRegistry.Site, $"light-x{i}", out var lamp);
                await service.ApplyAsync(new AlertSignal(AlertSignalKind.Raise, AlertType.BrokenLight, lamp!, AlertSeverity.Minor, "lamp dark"), CancellationToken.None);
                await service.ApplyAsync(new AlertSignal(AlertSignalKind.Clear, AlertType.BrokenLight, lamp!, AlertSeverity.Minor, "lamp lit"), CancellationToken.None);
            }
        }

        output.WriteLine($"seeding took {started.Elapsed.TotalSeconds:0.0} s");
        return await _hub.Services.GetRequiredService<SqliteAlertStore>().LastSeqAsync();
    }

    private static double Median(double?[] latencies)
    {
        var arrived = latencies.Where(l => l is not null).Select(l => l!.Value).Order().ToArray();
        return arrived.Length == 0 ? double.PositiveInfinity : arrived[arrived.Length / 2];
    }

    private static string Describe(double?[] latencies)
    {
        var arrived = latencies.Where(l => l is not null).Select(l => l!.Value).ToArray();
        return arrived.Length == 0
            ? $"0 of {latencies.Length} arrived"
            : $"{arrived.Length} of {latencies.Length} arrived, p50 {Median(latencies):0} ms, max {arrived.Max():0} ms";
    }
}
