using RedProperty.Iot.Hub.Reports;

namespace RedProperty.Iot.Hub.Tests.Unit;

/// <summary>Stored monthly snapshots are never rewritten: a hub reads the ones an older version published.</summary>
public sealed class MonthlyReportSchemaTests
{
    /// <summary>A version 1 snapshot as published before pending, cleared-unattended and no-records figures existed.</summary>
    private const string Version1 = """
        {"schema":"rp-report-monthly/1","site":"jiahua","siteName":"嘉华城","timeZone":"Asia/Shanghai","month":"2026-10",
         "from":"2026-10-01T00:00:00+08:00","to":"2026-11-01T00:00:00+08:00","computedAt":"2026-10-31T16:10:00+00:00",
         "recordsSince":"2026-09-12T02:13:51.2+00:00","complete":true,"score":87.4,
         "scoreParts":{"responseSla":0.92,"onSiteSla":1,"cameraAvailability":0.996,"deviceAvailability":0.998,"lampRepair":0.4,"flyingWire":0.71},
         "weights":{"responseSla":30,"onSiteSla":20,"cameraAvailability":15,"deviceAvailability":15,"lampRepair":10,"flyingWire":10},
         "figures":{"site":"jiahua","period":{"from":"2026-10-01T00:00:00+08:00","to":"2026-11-01T00:00:00+08:00"},
           "alerts":{"raised":3,"byType":{"flying_wire_charging":3},"bySeverity":{"major":3},"meanMinutesToAcknowledge":5,"p90MinutesToAcknowledge":6,
             "meanMinutesToResolve":30,"p90MinutesToResolve":40,"shareAcknowledgedWithinSla":1,"shareCriticalResolvedWithinSla":null,"escalations":0,"openAtEnd":0},
           "lighting":{"outages":0,"lampDaysDark":0,"medianDaysToRepair":null},
           "elevators":{"downtimeMinutesPerCar":{},"entrapments":0,"meanMinutesToRelease":null},
           "charging":{"flyingWireIncidentsPerZone":{"b02":3},"zonesWithRepeatIncidents":["b02"],"overheatEvents":0},
           "cameras":{"availabilityPerCamera":{},"siteAvailability":null},"deviceAvailabilityByKind":{"charger":1},"zone":null}}
        """;

    [Fact]
    public void A_version_1_snapshot_is_still_read_with_its_published_score()
    {
        var report = MonthlyReport.TryRead(Version1);
        Assert.NotNull(report);
        Assert.Equal(("rp-report-monthly/1", 87.4), (report.Schema, report.Score));
        Assert.Equal(3, report.Figures.Alerts.Raised);
        // What version 1 did not say is read as its defaults, not invented.
        Assert.Null(report.Figures.AsOf);
        Assert.Equal(0, report.Figures.Alerts.ClearedUnattended);
    }

    [Fact]
    public void A_version_2_snapshot_keeps_its_on_site_share_as_counted_then_by_resolve()
    {
        var report = MonthlyReport.TryRead(Version1
            .Replace("rp-report-monthly/1", "rp-report-monthly/2", StringComparison.Ordinal)
            .Replace("\"shareCriticalResolvedWithinSla\":null", "\"shareCriticalResolvedWithinSla\":0.75", StringComparison.Ordinal));
        Assert.NotNull(report);
        Assert.Equal(0.75, report.Figures.Alerts.ShareCriticalResolvedWithinSla);
        Assert.Null(report.Figures.Alerts.ShareCriticalOnSiteWithinSla);
        Assert.Null(report.Figures.Alerts.MeanMinutesToArrive);
        Assert.Equal(1, report.ScoreParts["onSiteSla"]);
    }

    [Fact]
    public void The_current_version_is_4_version_3_is_read_without_residents_and_an_unknown_schema_is_not_read()
    {
        Assert.Equal("rp-report-monthly/4", MonthlyReport.SchemaName);
        var version3 = MonthlyReport.TryRead(Version1.Replace("rp-report-monthly/1", "rp-report-monthly/3", StringComparison.Ordinal));
        Assert.NotNull(version3);
        Assert.Null(version3.Figures.Residents);
        Assert.NotNull(MonthlyReport.TryRead(Version1.Replace("rp-report-monthly/1", "rp-report-monthly/4", StringComparison.Ordinal)));
        Assert.Null(MonthlyReport.TryRead(Version1.Replace("rp-report-monthly/1", "rp-report-monthly/9", StringComparison.Ordinal)));
        Assert.Null(MonthlyReport.TryRead("{not json"));
    }
}
