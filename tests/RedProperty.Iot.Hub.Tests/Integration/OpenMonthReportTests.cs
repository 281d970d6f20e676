using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// The report API on 18 November 2026 at 10:00 (Shanghai) on a virtual clock, for a hub whose records
/// begin that morning: November is figured up to now, October has no records.
/// </summary>
public sealed class OpenMonthReportTests : IAsyncLifetime
{
    private static readonly TimeSpan Shanghai = TimeSpan.FromHours(8);
    private readonly string _workDir = Directory.CreateTempSubdirectory("rp-open-month-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_workDir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_running_month_is_figured_up_to_now_with_pending_deadlines_and_a_month_without_records_is_not_ranked()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 18, 9, 50, 0, Shanghai));
        await using var hub = await HubHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Hub:Registry"] = TestRegistry.Write(_workDir),
                ["Influx:Version"] = "none",
                ["Alerts:Thresholds:FlyingWireSustainS"] = "1",
                ["Alerts:Thresholds:OfflineIntervals"] = "1000000",
            },
            configure: b => b.Services.AddSingleton<TimeProvider>(clock));

        // 09:50: a corridor charger starts drawing; 09:52: a car reports a fault. Nobody has answered yet.
        var charger = await hub.ConnectDeviceAsync("chg-1");
        await HubHost.PublishAsync(charger, $"rp/{TestRegistry.Site}/charger/chg-1/telemetry", """{"circuit":"corridor","currentA":2.0}""");
        clock.Advance(TimeSpan.FromSeconds(2));
        await HubHost.PublishAsync(charger, $"rp/{TestRegistry.Site}/charger/chg-1/telemetry", """{"circuit":"corridor","currentA":2.0}""");
        await Eventually.BecomesAsync(() => hub.GetJsonAsync("/api/alerts?type=flying_wire_charging"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(5), "the flying wire");
        clock.SetUtcNow(new DateTimeOffset(2026, 11, 18, 9, 52, 0, Shanghai));
        var lift = await hub.ConnectDeviceAsync("lift-1");
        await HubHost.PublishAsync(lift, $"rp/{TestRegistry.Site}/elevator/lift-1/telemetry", """{"floor":3,"fault":"E42"}""");
        await Eventually.BecomesAsync(() => hub.GetJsonAsync("/api/alerts?type=elevator_fault"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(5), "the fault");

        var now = new DateTimeOffset(2026, 11, 18, 10, 0, 0, Shanghai);
        clock.SetUtcNow(now);
        var figures = await hub.GetJsonAsync($"/api/reports/service-quality?site={TestRegistry.Site}&month=2026-11");
        Assert.Equal(8.0, figures.GetProperty("elevators").GetProperty("downtimeMinutesPerCar").GetProperty("lift-1").GetDouble(), 6);
        Assert.False(figures.GetProperty("ended").GetBoolean());
        Assert.Equal(now, figures.GetProperty("asOf").GetDateTimeOffset());
        var alerts = figures.GetProperty("alerts");
        // Both deadlines (10:05 and 10:07) are still running: neither met nor missed.
        Assert.Equal(2, alerts.GetProperty("pendingAcknowledgement").GetInt32());
        Assert.Equal(JsonValueKind.Null, alerts.GetProperty("shareAcknowledgedWithinSla").ValueKind);
        Assert.Equal(2, alerts.GetProperty("openAtEnd").GetInt32());
        // The camera was never down: available all the time so far.
        Assert.Equal(1.0, figures.GetProperty("cameras").GetProperty("availabilityPerCamera").GetProperty("cam-1").GetDouble());

        var csv = await hub.Http.GetStringAsync($"/api/reports/service-quality?site={TestRegistry.Site}&month=2026-11&format=csv");
        var downtime = csv.Split('\n').Single(l => l.Contains(",elevators.downtimeMinutes,lift-1,", StringComparison.Ordinal));
        Assert.Contains("11/18/2026 10:00:00 +08:00,elevators.downtimeMinutes,lift-1,8", downtime, StringComparison.Ordinal);

        var ranking = await hub.GetJsonAsync("/api/reports/ranking?month=2026-11");
        Assert.False(ranking.GetProperty("ended").GetBoolean());
        Assert.Equal(now, ranking.GetProperty("asOf").GetDateTimeOffset());
        Assert.Equal(2, ranking.GetProperty("sites").GetArrayLength());

        // October ended before the hub's first record: no score, nobody ranked, and "no records" said.
        var october = await hub.GetJsonAsync($"/api/reports/service-quality?site={TestRegistry.Site}&month=2026-10");
        Assert.False(october.GetProperty("hasRecords").GetBoolean());
        var octoberRanking = await hub.GetJsonAsync("/api/reports/ranking?month=2026-10");
        Assert.Equal(0, octoberRanking.GetProperty("sites").GetArrayLength());
        Assert.Equal([TestRegistry.OtherSite, TestRegistry.Site], octoberRanking.GetProperty("noRecords").EnumerateArray().Select(s => s.GetProperty("site").GetString()!).Order(StringComparer.Ordinal).ToArray());

        // Half an hour later both deadlines have passed unanswered: missed.
        clock.SetUtcNow(new DateTimeOffset(2026, 11, 18, 10, 30, 0, Shanghai));
        hub.Http.DefaultRequestHeaders.Authorization = new("Bearer", await hub.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword));
        alerts = (await hub.GetJsonAsync($"/api/reports/service-quality?site={TestRegistry.Site}&month=2026-11")).GetProperty("alerts");
        Assert.Equal(0, alerts.GetProperty("pendingAcknowledgement").GetInt32());
        Assert.Equal(0.0, alerts.GetProperty("shareAcknowledgedWithinSla").GetDouble());
        await charger.DisconnectAsync();
        await lift.DisconnectAsync();
    }
}
