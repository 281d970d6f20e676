using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Registry;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.ChangeLog;
using RedProperty.Iot.Hub.Storage;
using RedProperty.Iot.Hub.Tests.Infrastructure;
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

    [Fact]
    public async Task Elevator_updates_reach_the_other_desks_while_one_desk_is_stuck()
    {
        await SeedChangesAsync();
        var token = await _hub.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword);
        await using var desk = await DeskClient.ConnectAsync(_hub, token);
        await desk.WaitForAsync("snapshot");
        await using var stuck = await StuckDeskClient.ConnectAsync(_hub.HttpUrl, token, lastSeq: 0);
        await Task.Delay(1000);

        // The car goes up a floor every 300 ms; the desk that reads sees it move, not in 2 s jumps.
        var lift = await _hub.ConnectDeviceAsync("lift-1");
        var published = new Dictionary<int, DateTime>();
        for (var floor = 1; floor <= 15; floor++)
        {
            published[floor] = DateTime.UtcNow;
            await HubHost.PublishAsync(lift, $"rp/{TestRegistry.Site}/elevator/lift-1/telemetry", $$"""{"floor":{{floor}},"doorOpen":false,"running":true,"occupied":true,"fault":null}""");
            await Task.Delay(300);
        }

        var (_, lastAt) = await desk.WaitForAsync("elevatorChanged", p => p.GetProperty("floor").GetInt32() == 15, TimeSpan.FromSeconds(10));
        var floors = desk.All("elevatorChanged").Select(c => c.Payload.GetProperty("floor").GetInt32()).Distinct().Count();
        var lag = (lastAt - published[15]).TotalMilliseconds;
        output.WriteLine($"beside the stuck desk: {floors} of 15 floors seen, the last {lag:0} ms after its publish");
        Assert.True(floors >= 10, $"the desk saw only {floors} of 15 floors while another desk was stuck");
        Assert.True(lag < 1500, $"the last floor reached the desk {lag:0} ms after it was published");
        await lift.DisconnectAsync();
    }

    [Fact]
    public async Task A_desk_that_catches_up_while_changes_keep_coming_gets_each_once_in_order_and_ends_with_the_stores_state()
    {
        var store = _hub.Services.GetRequiredService<ChangeLogStore>();
        var service = _hub.Services.GetRequiredService<AlertService>();
        var registry = _hub.Services.GetRequiredService<DeviceRegistry>();
        async Task CycleAsync(int from, int count)
        {
            for (var i = from; i < from + count; i++)
            {
                registry.TryGetDevice(TestRegistry.Site, $"light-x{i % SeededLights}", out var lamp);
                await service.ApplyAsync(new AlertSignal(AlertSignalKind.Raise, AlertType.BrokenLight, lamp!, AlertSeverity.Minor, "lamp dark"), CancellationToken.None);
                await service.ApplyAsync(new AlertSignal(AlertSignalKind.Clear, AlertType.BrokenLight, lamp!, AlertSeverity.Minor, "lamp lit"), CancellationToken.None);
            }
        }

        await CycleAsync(0, 200);
        var afterSeq = await store.LastSeqAsync() - 300;

        // Desks come with ?lastSeq= while lamps keep changing: each gets the missed changes from the store, then live ones.
        var token = await _hub.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword);
        var changing = CycleAsync(200, 400);
        var desks = new List<DeskClient>();
        for (var i = 0; i < 4; i++)
        {
            await Task.Delay(150);
            desks.Add(await DeskClient.ConnectAsync(_hub, token, afterSeq));
        }

        await changing;
        var last = await store.LastSeqAsync();
        var final = (await store.ChangesSinceAsync(afterSeq, [TestRegistry.Site], DeskHubMaxReplay))
            .GroupBy(c => System.Text.Json.JsonDocument.Parse(c.Payload).RootElement.GetProperty("id").GetString())
            .ToDictionary(g => g.Key!, g => g.Max(c => c.Seq));
        foreach (var desk in desks)
        {
            await desk.WaitForAsync("alertUpdated", p => p.GetProperty("seq").GetInt64() == last, TimeSpan.FromSeconds(20));
            var received = desk.Received.Where(r => r.Method is "alertRaised" or "alertUpdated").Select(r => (Id: r.Payload.GetProperty("id").GetString()!, Seq: r.Payload.GetProperty("seq").GetInt64())).ToArray();
            Assert.DoesNotContain(desk.Received, r => r.Method == "snapshot");
            Assert.True(received.Zip(received.Skip(1)).All(p => p.First.Seq < p.Second.Seq), "changes twice or out of order: " + string.Join(",", received.Select(r => r.Seq)));
            Assert.Equal(afterSeq + 1, received[0].Seq);
            Assert.Equal(final, received.GroupBy(r => r.Id).ToDictionary(g => g.Key, g => g.Max(r => r.Seq)));
            await desk.DisposeAsync();
        }
    }

    [Fact]
    public async Task When_the_change_feed_overflows_every_desk_is_disconnected_to_catch_up_from_the_change_log()
    {
        var token = await _hub.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword);
        await using var desk = await DeskClient.ConnectAsync(_hub, token);
        await desk.WaitForAsync("snapshot");
        var closed = new TaskCompletionSource();
        desk.Connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        // Far more than the feed holds, faster than the broadcaster takes them (old numbers: nothing for the desk to show).
        var feed = _hub.Services.GetRequiredService<DeskChangeFeed>();
        var payload = """{"seq":1,"site":"testsite","zone":"grid-2","deviceId":"light-1","kind":"light","status":"online","at":"2026-11-29T00:00:00+00:00"}""";
        for (var i = 0; i < 4 * DeskChangeFeed.Capacity; i++)
        {
            feed.Publish(DeskChange.Read(1, TestRegistry.Site, DeskEvents.DeviceStatusChanged, payload)!);
        }

        Assert.True(await _hub.MetricAsync("rp_hub_desk_feed_dropped_total") > 0);
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, await _hub.MetricAsync("rp_hub_desk_clients_dropped_total{reason=\"resync\"}"));
    }

    private const int DeskHubMaxReplay = RedProperty.Iot.Hub.Desk.DeskHub.MaxReplay;

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
        return await _hub.Services.GetRequiredService<ChangeLogStore>().LastSeqAsync();
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
