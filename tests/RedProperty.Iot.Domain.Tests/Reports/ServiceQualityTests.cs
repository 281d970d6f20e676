using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Domain.Registry;
using RedProperty.Iot.Domain.Reports;

namespace RedProperty.Iot.Domain.Tests.Reports;

/// <summary>A month of alert history whose figures are worked out by hand below, including alerts across the month's edges.</summary>
public sealed class ServiceQualityTests
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);
    private static readonly EscalationPolicy Policy = EscalationPolicy.Default;

    private static Site SiteIn(TimeZoneInfo zone)
    {
        Device D(string id, DeviceKind kind, string zone) => new("court", id, kind, zone, null, "hash", 30, null, kind == DeviceKind.Charger ? ChargerCircuit.Corridor : null);
        var devices = new[]
        {
            D("lamp-1", DeviceKind.Light, "z1"), D("lamp-2", DeviceKind.Light, "z2"),
            D("lift-1", DeviceKind.Elevator, "car-1"), D("lift-2", DeviceKind.Elevator, "car-2"),
            D("chg-1", DeviceKind.Charger, "z1"), D("chg-2", DeviceKind.Charger, "z2"),
            D("cam-1", DeviceKind.Camera, "gate"), D("cam-2", DeviceKind.Camera, "gate"),
        }.ToDictionary(d => d.Id);
        var zones = devices.Values.Select(d => d.Zone).Distinct().ToDictionary(z => z, z => new Zone(z, z, "area"));
        return new Site("court", "测试苑", zone, 28.2, 112.9, zones, devices);
    }

    private static DateTimeOffset Local(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, China);

    /// <summary>Builds an alert through the aggregate's own methods.</summary>
    private sealed class History(Site site)
    {
        public List<Alert> Alerts { get; } = [];

        public Alert Raise(string device, AlertType type, DateTimeOffset at)
        {
            var d = site.Devices[device];
            var alert = Alert.Raise(Guid.NewGuid(), new AlertKey(site.Id, device, type), d.Zone, d.Kind, AlertCatalogue.SeverityOf(type, d.Kind), "test", at);
            Alerts.Add(alert);
            return alert;
        }
    }

    [Fact]
    public void A_month_of_history_gives_the_figures_worked_out_by_hand()
    {
        var site = SiteIn(TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));
        var h = new History(site);

        var a1 = h.Raise("chg-1", AlertType.FlyingWireCharging, Local(11, 3, 10));
        a1.Acknowledge("op", Local(11, 3, 10, 5));
        a1.Resolve("op", "wire removed", Local(11, 3, 10, 35));

        var a2 = h.Raise("chg-1", AlertType.FlyingWireCharging, Local(11, 10, 20));
        a2.Escalate(AlertEscalation.NotAcknowledged, Local(11, 10, 20, 15));
        a2.Acknowledge("op", Local(11, 10, 20, 20));
        a2.Clear(Local(11, 10, 21), "current gone");

        var a3 = h.Raise("lift-1", AlertType.ElevatorEntrapment, Local(11, 12, 8));
        a3.Acknowledge("op", Local(11, 12, 8, 3));
        a3.Arrive("op", Local(11, 12, 8, 10), ArrivalProof.Sticker, "lift-1");
        a3.Resolve("op", "released", Local(11, 12, 8, 25));

        var a4 = h.Raise("lift-1", AlertType.ElevatorFault, Local(11, 20, 0));
        a4.Clear(Local(11, 20, 2), "no fault");

        var a5 = h.Raise("lift-1", AlertType.ElevatorEntrapment, Local(11, 20, 1));
        // On site after 21 minutes, but the lift company needed 50: resolved late, on site in time. (Escalated the
        // way hubs did before arrival was recorded.)
        a5.Acknowledge("op", Local(11, 20, 1, 10));
        a5.Arrive("op", Local(11, 20, 1, 21), ArrivalProof.Desk, "guard called from the car park");
        a5.Escalate(AlertEscalation.NotResolved, Local(11, 20, 1, 30));
        a5.Resolve("op", "released", Local(11, 20, 1, 50));

        // Raised in October, dark into November: only its November day counts (lamp-days), not as an outage.
        var a6 = h.Raise("lamp-1", AlertType.BrokenLight, Local(10, 30, 0));
        a6.Clear(Local(11, 2, 0), "fixed");

        // Still open when the month ends.
        h.Raise("lamp-2", AlertType.BrokenLight, Local(11, 28, 0));

        var a8 = h.Raise("lamp-1", AlertType.BrokenLight, Local(11, 5, 0));
        a8.Resolve("op", "bulb replaced", Local(11, 7, 12));

        var a9 = h.Raise("cam-1", AlertType.CameraTamper, Local(11, 15, 0));
        a9.Clear(Local(11, 16, 0), "picture back");
        var a10 = h.Raise("cam-1", AlertType.DeviceOffline, Local(11, 15, 12));
        a10.Clear(Local(11, 17, 0), "back online");

        // Next month: not in November's figures.
        h.Raise("chg-2", AlertType.ChargerOverheat, Local(12, 1, 0, 30));

        // Cleared, reopened within the window, acknowledged 14 minutes after the raise, resolved.
        var a13 = h.Raise("chg-2", AlertType.FlyingWireCharging, Local(11, 25, 10));
        a13.Clear(Local(11, 25, 10, 10), "current gone");
        Assert.True(a13.Reopen(Local(11, 25, 10, 12), "again", EscalationPolicy.ReopenWindow));
        a13.Acknowledge("op", Local(11, 25, 10, 14));
        a13.Resolve("op", "told the resident", Local(11, 25, 10, 40));

        var period = ReportPeriod.Month(2026, 11, site.TimeZone);
        Assert.Equal((Local(11, 1, 0), Local(12, 1, 0)), (period.From, period.To));
        // Figured after the month has ended: as of its end.
        var report = ServiceQuality.Compute(site, h.Alerts, period, Policy, Local(12, 3, 9));
        Assert.True(report.Ended);
        Assert.Equal(period.To, report.AsOf);
        Assert.True(report.HasRecords);

        var alerts = report.Alerts;
        Assert.Equal(10, alerts.Raised);
        Assert.Equal(new Dictionary<string, int> { ["flying_wire_charging"] = 3, ["elevator_entrapment"] = 2, ["elevator_fault"] = 1, ["broken_light"] = 2, ["camera_tamper"] = 1, ["device_offline"] = 1 }, alerts.ByType);
        Assert.Equal(new Dictionary<string, int> { ["critical"] = 2, ["major"] = 6, ["minor"] = 2 }, alerts.BySeverity);
        Assert.Equal((5 + 20 + 3 + 10 + 14) / 5.0, alerts.MeanMinutesToAcknowledge!.Value, 6);
        Assert.Equal(20, alerts.P90MinutesToAcknowledge);
        // a4 (fault, 2 h), a9 (tamper, 1 day) and a10 (offline, 1.5 days) cleared before anyone responded:
        // cleared unattended, not in the time to resolve.
        Assert.Equal((35 + 60 + 25 + 50 + 3600 + 40) / 6.0, alerts.MeanMinutesToResolve!.Value, 6);
        Assert.Equal(3600, alerts.P90MinutesToResolve);
        Assert.Equal(3, alerts.ClearedUnattended);
        Assert.Equal((0, 0), (alerts.PendingAcknowledgement, alerts.PendingOnSite));
        Assert.Equal(4 / 10.0, alerts.ShareAcknowledgedWithinSla!.Value, 6);
        // Counted by resolve (as hubs did before) a3 met and a5 missed the promise: by arrival both met it.
        Assert.Equal(1.0, alerts.ShareCriticalOnSiteWithinSla!.Value, 6);
        Assert.Equal((10 + 21) / 2.0, alerts.MeanMinutesToArrive!.Value, 6);
        Assert.Equal(21, alerts.P90MinutesToArrive);
        Assert.Null(alerts.ShareCriticalResolvedWithinSla);
        Assert.Equal(2, alerts.Escalations);
        Assert.Equal(1, alerts.OpenAtEnd);

        Assert.Equal(2, report.Lighting.Outages);
        Assert.Equal(1 + 2.5 + 3, report.Lighting.LampDaysDark, 6);
        Assert.Equal(2.5, report.Lighting.MedianDaysToRepair!.Value, 6);

        Assert.Equal(25 + 120, report.Elevators.DowntimeMinutesPerCar["lift-1"], 6);
        Assert.Equal(0, report.Elevators.DowntimeMinutesPerCar["lift-2"]);
        Assert.Equal(2, report.Elevators.Entrapments);
        Assert.Equal((25 + 50) / 2.0, report.Elevators.MeanMinutesToRelease!.Value, 6);

        Assert.Equal(new Dictionary<string, int> { ["z1"] = 2, ["z2"] = 1 }, report.Charging.FlyingWireIncidentsPerZone);
        Assert.Equal(["z1"], report.Charging.ZonesWithRepeatIncidents);
        Assert.Equal(0, report.Charging.OverheatEvents);

        // cam-1 tampered or offline from the 15th 00:00 to the 17th 00:00: two days of thirty.
        Assert.Equal(1 - (2 / 30.0), report.Cameras.AvailabilityPerCamera["cam-1"], 9);
        Assert.Equal(1, report.Cameras.AvailabilityPerCamera["cam-2"]);
        Assert.Equal((1 - (2 / 30.0) + 1) / 2, report.Cameras.SiteAvailability!.Value, 9);
        Assert.Equal((1 - (1.5 / 30.0) + 1) / 2, report.DeviceAvailabilityByKind["camera"], 9);
        Assert.Equal(1, report.DeviceAvailabilityByKind["light"]);

        // Zone z1 alone: its chargers' and lamp's alerts, its devices (no car, no camera).
        var z1 = ServiceQuality.Compute(site, h.Alerts, period, Policy, Local(12, 3, 9), zone: "z1");
        Assert.Equal("z1", z1.Zone);
        Assert.Equal(3, z1.Alerts.Raised); // a1, a2 (chg-1) and a8 (lamp-1); a6 was raised in October
        Assert.Equal(new Dictionary<string, int> { ["flying_wire_charging"] = 2, ["broken_light"] = 1 }, z1.Alerts.ByType);
        Assert.Equal((5 + 20) / 2.0, z1.Alerts.MeanMinutesToAcknowledge!.Value, 6);
        Assert.Equal(1 + 2.5, z1.Lighting.LampDaysDark, 6);
        Assert.Empty(z1.Elevators.DowntimeMinutesPerCar);
        Assert.Null(z1.Cameras.SiteAvailability);
        Assert.Equal(new[] { "charger", "light" }, z1.DeviceAvailabilityByKind.Keys.Order(StringComparer.Ordinal));
        Assert.Throws<ArgumentException>(() => ServiceQuality.Compute(site, h.Alerts, period, Policy, Local(12, 3, 9), zone: "nowhere"));
    }

    [Fact]
    public void A_site_in_another_time_zone_gets_its_own_month_edges_across_a_daylight_saving_change()
    {
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var period = ReportPeriod.Month(2026, 11, newYork);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.FromHours(-4)), period.From);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.FromHours(-5)), period.To);
        Assert.Equal(TimeSpan.FromDays(30) + TimeSpan.FromHours(1), period.Length);

        // The last full month depends on the site's clock: at 04:30 UTC on 1 December it is still November in New York.
        Assert.Equal(ReportPeriod.Month(2026, 10, newYork), ReportPeriod.MonthBefore(new DateTimeOffset(2026, 12, 1, 4, 30, 0, TimeSpan.Zero), newYork));
        Assert.Equal(period, ReportPeriod.MonthBefore(new DateTimeOffset(2026, 12, 1, 5, 30, 0, TimeSpan.Zero), newYork));

        var site = SiteIn(newYork);
        var h = new History(site);
        // 03:30 UTC on 1 November is still 31 October in New York; 04:30 UTC on 1 December is still 30 November there.
        h.Raise("cam-1", AlertType.CameraTamper, new DateTimeOffset(2026, 11, 1, 3, 30, 0, TimeSpan.Zero));
        h.Raise("cam-2", AlertType.CameraTamper, new DateTimeOffset(2026, 12, 1, 4, 30, 0, TimeSpan.Zero));

        var report = ServiceQuality.Compute(site, h.Alerts, period, Policy, period.To.AddDays(2));
        Assert.Equal(1, report.Alerts.Raised);
        Assert.Equal(1, report.Alerts.OpenAtEnd);
        // cam-1's alert (October) still counts for its time dark in November: all of it.
        Assert.Equal(0, report.Cameras.AvailabilityPerCamera["cam-1"], 9);
        Assert.Equal(1 - (TimeSpan.FromMinutes(30) / period.Length), report.Cameras.AvailabilityPerCamera["cam-2"], 9);
    }
}

public sealed class ServiceScoreTests
{
    [Fact]
    public void The_score_weighs_each_part_and_ranks_a_better_served_site_higher()
    {
        SiteServiceQuality Figures(string site, double? response, double? onSite, double camera, double device, double? repairDays, int flyingWire) => new(
            site,
            new ReportPeriod(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(30)),
            new AlertFigures(0, new Dictionary<string, int>(), new Dictionary<string, int>(), null, null, null, null, response, onSite, 0, 0),
            new LightingFigures(0, 0, repairDays),
            new ElevatorFigures(new Dictionary<string, double>(), 0, null),
            new ChargingFigures(new Dictionary<string, int> { ["z"] = flyingWire }, [], 0),
            new CameraFigures(new Dictionary<string, double>(), camera),
            new Dictionary<string, double> { ["light"] = device, ["camera"] = device });

        var weights = new ScoreWeights(ResponseSla: 30, OnSiteSla: 20, CameraAvailability: 15, DeviceAvailability: 15, LampRepair: 10, FlyingWire: 10);
        // 0.8·30 + 0.5·20 + 0.9·15 + 1·15 + (1/(1+1))·10 + (1/(1+2))·10, over 100 (2 incidents per 100 devices).
        var good = ServiceScore.Compute(Figures("good", 0.8, 0.5, 0.9, 1, 1, 2), devices: 100, weights);
        Assert.Equal(Math.Round((0.8 * 30) + (0.5 * 20) + (0.9 * 15) + 15 + 5 + (10 / 3.0), 1), good.Score);

        // Nothing needed a response and nothing broke: full marks.
        var quiet = ServiceScore.Compute(Figures("quiet", null, null, 1, 1, null, 0), devices: 100, weights);
        Assert.Equal(100, quiet.Score);

        var poor = ServiceScore.Compute(Figures("poor", 0.2, 0, 0.5, 0.9, 10, 20), devices: 100, weights);
        Assert.True(quiet.Score > good.Score && good.Score > poor.Score);
    }
}
