using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Domain.Field;
using RedProperty.Iot.Domain.Registry;
using RedProperty.Iot.Domain.Reports;

namespace RedProperty.Iot.Domain.Tests.Reports;

/// <summary>A month of residents' reports whose figures are worked out by hand: per category, per place, repeat places.</summary>
public sealed class ResidentFiguresTests
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    private static DateTimeOffset Local(int day, int hour, int minute = 0) => new(2026, 11, day, hour, minute, 0, China);

    private static readonly Site Court = new("court", "测试苑", TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"), 28.2, 112.9,
        new Dictionary<string, Zone> { ["b2"] = new("b2", "2栋", "building"), ["b3"] = new("b3", "3栋", "building") },
        new Dictionary<string, Device> { ["lamp-1"] = new("court", "lamp-1", DeviceKind.Light, "b2", null, "hash", 30, null, null) })
    {
        DeclaredPlaces = [new Place("b2-corr", "2栋3楼走廊", "b2")],
    };

    private static Alert Report(string category, string place, string zone, AlertSeverity severity, DateTimeOffset at) =>
        Alert.Raise(Guid.NewGuid(), new AlertKey("court", ResidentReportKey.DeviceIdOf(category, place), AlertType.ResidentReport), zone, DeviceKind.Resident, severity, "report", at,
            clearing: AlertClearing.Staff);

    [Fact]
    public void A_month_of_residents_reports_gives_the_figures_worked_out_by_hand()
    {
        // The corridor's light: three neighbours (one job), responded in 6 min, on site in 20, fixed.
        var r1 = Report("light_out", "b2-corr", "b2", AlertSeverity.Minor, Local(3, 19));
        r1.Repeat(Local(3, 19, 2), "report");
        r1.Repeat(Local(3, 19, 4), "report");
        r1.Acknowledge("wang", Local(3, 19, 6));
        r1.Arrive("wang", Local(3, 19, 20), ArrivalProof.Sticker, "b2-corr");
        r1.Resolve("wang", "new tube", Local(3, 19, 40));
        // Reported again the next week: dark again (a second job at the same place, the same category).
        var r2 = Report("light_out", "b2-corr", "b2", AlertSeverity.Minor, Local(10, 21));
        r2.Acknowledge("li", Local(10, 21, 20));
        r2.Arrive("li", Local(10, 21, 50), ArrivalProof.Desk, "phoned from the corridor");
        r2.Resolve("li", "ballast replaced", Local(10, 22, 10));
        // A cable in the same corridor: another category, the same place (a third job there).
        var r3 = Report("flying_wire", "b2-corr", "b2", AlertSeverity.Major, Local(15, 23));
        r3.Acknowledge("wang", Local(15, 23, 10));
        r3.Arrive("wang", Local(15, 23, 25), ArrivalProof.Sticker, "b2-corr");
        r3.Resolve("wang", "cable removed", Local(15, 23, 30));
        // Smoke in building 3 (a zone as the place): responded in 4, on site in 12; reopened an hour after the
        // resolve (a second activation) and resolved again.
        var r4 = Report("smoke", "b3", "b3", AlertSeverity.Critical, Local(20, 2));
        r4.Acknowledge("zhao", Local(20, 2, 4));
        r4.Arrive("zhao", Local(20, 2, 12), ArrivalProof.Sticker, "b3");
        r4.Resolve("zhao", "burnt toast", Local(20, 2, 30));
        Assert.True(r4.Reopen(Local(20, 3, 30), "report", TimeSpan.FromHours(2)));
        r4.Resolve("zhao", "checked again", Local(20, 3, 45));
        // Still waiting at the month's end, raised 10 minutes before it: pending, in no mean.
        var pending = Report("other", "b3", "b3", AlertSeverity.Minor, Local(30, 23, 50));
        // A device's alert is no resident's report; a resident's report of October is not November's.
        var lamp = Alert.Raise(Guid.NewGuid(), new AlertKey("court", "lamp-1", AlertType.BrokenLight), "b2", DeviceKind.Light, AlertSeverity.Minor, "dark", Local(5, 1));
        var october = Report("light_out", "b2-corr", "b2", AlertSeverity.Minor, new DateTimeOffset(2026, 10, 31, 23, 0, 0, China));

        var figures = ServiceQuality.Compute(Court, [r1, r2, r3, r4, pending, lamp, october], ReportPeriod.Month(2026, 11, Court.TimeZone), EscalationPolicy.Default,
            new DateTimeOffset(2026, 12, 2, 0, 0, 0, China)).Residents!;

        var all = figures.All;
        // Jobs: r1..r4 and the pending one (not the lamp, not October's).
        Assert.Equal((5, 1), (all.Alerts, all.PendingOnSite));
        // Reports: 3 + 1 + 1 + 2 (r4 reopened by a second report) + 1.
        Assert.Equal(8, all.Reports);
        // To respond: 6, 20, 10, 4 -> mean 10; p90 (nearest rank of 4: the 4th) 20.
        Assert.Equal(10, all.MeanMinutesToAcknowledge!.Value, 6);
        Assert.Equal(20, figures.P90MinutesToAcknowledge);
        // To arrive: 20, 50, 25, 12 -> mean 26.75; on site within 30: 3 of 4.
        Assert.Equal(26.75, all.MeanMinutesToArrive!.Value, 6);
        Assert.Equal(0.75, all.ShareOnSiteWithinSla!.Value, 6);
        Assert.Equal(50, figures.P90MinutesToArrive);

        Assert.Equal(["flying_wire", "light_out", "other", "smoke"], figures.ByCategory.Keys.Order(StringComparer.Ordinal));
        var light = figures.ByCategory["light_out"];
        Assert.Equal((2, 4, 13.0, 35.0, 0.5), (light.Alerts, light.Reports, light.MeanMinutesToAcknowledge!.Value, light.MeanMinutesToArrive!.Value, light.ShareOnSiteWithinSla!.Value));

        var corridor = figures.ByPlace["b2-corr"];
        Assert.Equal(("2栋3楼走廊", "b2", 3, 5, 3), (corridor.Name, corridor.Zone, corridor.Figures.Alerts, corridor.Figures.Reports, corridor.Activations));
        Assert.Equal(["flying_wire", "light_out"], corridor.Categories);
        var building = figures.ByPlace["b3"];
        Assert.Equal(("3栋", 2, 3), (building.Name, building.Figures.Alerts, building.Activations));
        Assert.Equal(["other", "smoke"], building.Categories);
        // Both places had three jobs (raised or reopened): by id.
        Assert.Equal(["b2-corr", "b3"], figures.RepeatPlaces);
    }
}
