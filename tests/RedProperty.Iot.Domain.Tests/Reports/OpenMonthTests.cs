using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Domain.Registry;
using RedProperty.Iot.Domain.Reports;

namespace RedProperty.Iot.Domain.Tests.Reports;

/// <summary>November 2026 while it is still running, figured at fixed instants on 18 November; every number worked out by hand.</summary>
public sealed class OpenMonthTests
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);
    private static readonly EscalationPolicy Policy = EscalationPolicy.Default;

    private static DateTimeOffset Nov(int day, int hour, int minute = 0) => new(2026, 11, day, hour, minute, 0, China);

    /// <summary>
    /// One minute after the corridor charger started (a4 at 09:50) and before the car's fault (a3 at 09:52).
    /// Elapsed: 17 days, 9 hours and 51 minutes of November, 25 071 minutes.
    /// </summary>
    [Fact]
    public void At_nine_fifty_one_the_charger_raised_a_minute_ago_is_pending_and_durations_run_to_now()
    {
        var at = Nov(18, 9, 51);
        var (site, period, f) = FiguresAt(at);

        Assert.Equal(at, f.AsOf);
        Assert.False(f.Ended);
        Assert.True(f.HasRecords);
        var a = f.Alerts;
        Assert.Equal(7, a.Raised);
        Assert.Equal(new Dictionary<string, int> { ["flying_wire_charging"] = 2, ["elevator_entrapment"] = 2, ["charger_overheat"] = 1, ["camera_tamper"] = 1, ["broken_light"] = 1 }, a.ByType);
        Assert.Equal(new Dictionary<string, int> { ["critical"] = 3, ["major"] = 3, ["minor"] = 1 }, a.BySeverity);
        Assert.Equal((5 + 3 + 4) / 3.0, a.MeanMinutesToAcknowledge!.Value, 9);
        Assert.Equal(5, a.P90MinutesToAcknowledge);
        // a6 and a2 cleared unattended: only a1 (35) and a7 (20) count.
        Assert.Equal((35 + 20) / 2.0, a.MeanMinutesToResolve!.Value, 9);
        Assert.Equal(35, a.P90MinutesToResolve);
        // Met: a1, a7, a5; missed: a2 (not answered by 08:15), the lamp (06:15); a4's deadline is 10:05.
        Assert.Equal(3 / 5.0, a.ShareAcknowledgedWithinSla!.Value, 9);
        Assert.Equal(1, a.PendingAcknowledgement);
        // On site: a7 within 12 minutes; a5's 30 minutes run to 10:10; a6 (cleared unattended) is neither.
        Assert.Equal(1.0, a.ShareCriticalOnSiteWithinSla!.Value, 9);
        Assert.Equal(12, a.MeanMinutesToArrive!.Value, 9);
        Assert.Equal(1, a.PendingOnSite);
        Assert.Equal(2, a.Escalations);
        Assert.Equal(3, a.OpenAtEnd);
        Assert.Equal(2, a.ClearedUnattended);

        Assert.Equal(1, f.Lighting.Outages);
        Assert.Equal(231 / 1440.0, f.Lighting.LampDaysDark, 9);
        Assert.Null(f.Lighting.MedianDaysToRepair);
        Assert.Equal(20, f.Elevators.DowntimeMinutesPerCar["lift-1"], 9);
        Assert.Equal(11, f.Elevators.DowntimeMinutesPerCar["lift-2"], 9);
        Assert.Equal(2, f.Elevators.Entrapments);
        Assert.Equal(20, f.Elevators.MeanMinutesToRelease!.Value, 9);
        Assert.Equal(new Dictionary<string, int> { ["z1"] = 1, ["z2"] = 1 }, f.Charging.FlyingWireIncidentsPerZone);
        Assert.Empty(f.Charging.ZonesWithRepeatIncidents);
        Assert.Equal(1, f.Charging.OverheatEvents);
        Assert.Equal(1 - (30 / 25071.0), f.Cameras.AvailabilityPerCamera["cam-1"], 9);
        Assert.Equal(1, f.Cameras.AvailabilityPerCamera["cam-2"]);
        Assert.Equal((1 - (30 / 25071.0) + 1) / 2, f.Cameras.SiteAvailability!.Value, 9);
        Assert.All(f.DeviceAvailabilityByKind.Values, v => Assert.Equal(1, v));
        Assert.Equal(site.Devices.Values.Select(d => d.Kind.ToWire()).Distinct().Order(), f.DeviceAvailabilityByKind.Keys.Order());
        Assert.Equal(ReportPeriod.Month(2026, 11, site.TimeZone), period);
    }

    /// <summary>10:00, 25 080 minutes into November: the fault raised at 09:52 has been down 8 minutes.</summary>
    [Fact]
    public void At_ten_an_eight_minute_old_fault_is_eight_minutes_of_downtime_and_deadlines_still_running_are_pending()
    {
        var at = Nov(18, 10);
        var (_, _, f) = FiguresAt(at);

        Assert.Equal(at, f.AsOf);
        var a = f.Alerts;
        Assert.Equal(8, a.Raised);
        Assert.Equal(1, a.ByType["elevator_fault"]);
        Assert.Equal(new Dictionary<string, int> { ["critical"] = 3, ["major"] = 4, ["minor"] = 1 }, a.BySeverity);
        Assert.Equal((35 + 20) / 2.0, a.MeanMinutesToResolve!.Value, 9);
        // a4 (due 10:05, five minutes away) and a3 (due 10:07) are neither met nor missed.
        Assert.Equal(3 / 5.0, a.ShareAcknowledgedWithinSla!.Value, 9);
        Assert.Equal(2, a.PendingAcknowledgement);
        Assert.Equal(1.0, a.ShareCriticalOnSiteWithinSla!.Value, 9);
        Assert.Equal(1, a.PendingOnSite);
        Assert.Equal(4, a.OpenAtEnd);
        Assert.Equal(2, a.ClearedUnattended);

        // lift-1: a7's 20 minutes on the 5th and the fault's 8 minutes; lift-2: a5 since 09:40.
        Assert.Equal(20 + 8, f.Elevators.DowntimeMinutesPerCar["lift-1"], 9);
        Assert.Equal(20, f.Elevators.DowntimeMinutesPerCar["lift-2"], 9);
        Assert.Equal(240 / 1440.0, f.Lighting.LampDaysDark, 9);
        // The gate camera was covered for 30 minutes of the 25 080 so far.
        Assert.Equal(1 - (30 / 25080.0), f.Cameras.AvailabilityPerCamera["cam-1"], 9);
    }

    /// <summary>10:30: both charger and fault deadlines have passed unanswered, and a5's 30 minutes ran out at 10:10.</summary>
    [Fact]
    public void At_half_past_ten_the_deadlines_that_ran_out_unanswered_are_missed()
    {
        var at = Nov(18, 10, 30);
        var (_, _, f) = FiguresAt(at);

        var a = f.Alerts;
        Assert.Equal(3 / 7.0, a.ShareAcknowledgedWithinSla!.Value, 9);
        Assert.Equal(0, a.PendingAcknowledgement);
        Assert.Equal(1 / 2.0, a.ShareCriticalOnSiteWithinSla!.Value, 9);
        Assert.Equal(0, a.PendingOnSite);
        Assert.Equal(4, a.OpenAtEnd);
        Assert.Equal(20 + 38, f.Elevators.DowntimeMinutesPerCar["lift-1"], 9);
        Assert.Equal(50, f.Elevators.DowntimeMinutesPerCar["lift-2"], 9);
        Assert.Equal(270 / 1440.0, f.Lighting.LampDaysDark, 9);
        Assert.Equal(1 - (30 / 25110.0), f.Cameras.AvailabilityPerCamera["cam-1"], 9);
    }

    [Fact]
    public void A_month_that_ended_before_the_first_record_or_a_site_without_devices_has_no_records()
    {
        var site = Site();
        var firstRecord = Nov(18, 9, 40);
        var october = ServiceQuality.Compute(site, [], ReportPeriod.Month(2026, 10, site.TimeZone), Policy, Nov(18, 10), recordsSince: firstRecord);
        Assert.False(october.HasRecords);
        Assert.True(october.Ended);

        // November began before the first record but has records since: it has figures (a partial month).
        Assert.True(ServiceQuality.Compute(site, [], ReportPeriod.Month(2026, 11, site.TimeZone), Policy, Nov(18, 10), recordsSince: firstRecord).HasRecords);

        var empty = site with { Devices = new Dictionary<string, Device>() };
        Assert.False(ServiceQuality.Compute(empty, [], ReportPeriod.Month(2026, 11, site.TimeZone), Policy, Nov(18, 10), recordsSince: firstRecord).HasRecords);
    }

    [Fact]
    public void An_alarm_only_staff_may_close_stays_open_when_its_condition_clears_and_counts_as_cleared_unattended_until_a_person_resolves_it()
    {
        var site = Site();
        var period = ReportPeriod.Month(2026, 11, site.TimeZone);
        var car = site.Devices["lift-2"];
        var alarm = Alert.Raise(Guid.NewGuid(), new AlertKey(site.Id, car.Id, AlertType.ElevatorEntrapment), car.Zone, car.Kind, AlertSeverity.Critical, "alarm button pressed in the car", Nov(18, 9, 40), clearing: AlertClearing.Staff);

        // The car runs again a minute later: the system does not close it.
        Assert.False(alarm.Clear(Nov(18, 9, 41), "car running"));
        Assert.Equal(AlertTransition.ConditionCleared, alarm.ConditionEnded(Nov(18, 9, 41), "car running"));
        Assert.Null(alarm.ConditionEnded(Nov(18, 9, 42), "car running"));
        Assert.True(alarm.IsOpen);
        Assert.Equal(AlertState.Active, alarm.State);
        Assert.False(alarm.ConditionPresent);
        Assert.Equal(Nov(18, 9, 41), alarm.ConditionClearedAt);

        var at945 = ServiceQuality.Compute(site, [alarm], period, Policy, Nov(18, 9, 45)).Alerts;
        Assert.Equal((1, 1, 1), (at945.ClearedUnattended, at945.OpenAtEnd, at945.PendingAcknowledgement));
        Assert.Null(at945.ShareCriticalOnSiteWithinSla);
        Assert.Equal(0, at945.PendingOnSite);
        Assert.Null(at945.MeanMinutesToResolve);
        // Down only while the car stood: one minute.
        Assert.Equal(1, ServiceQuality.Compute(site, [alarm], period, Policy, Nov(18, 9, 45)).Elevators.DowntimeMinutesPerCar["lift-2"], 9);

        // Nobody answered by 09:55: a missed response, still cleared unattended.
        var at1000 = ServiceQuality.Compute(site, [alarm], period, Policy, Nov(18, 10)).Alerts;
        Assert.Equal(0.0, at1000.ShareAcknowledgedWithinSla);
        Assert.Equal(1, at1000.ClearedUnattended);

        // A person resolves it from the desk at 10:05, 25 minutes after the alarm, with nobody sent: no longer
        // unattended, and the on-site promise missed (closing it is not being there).
        Assert.True(alarm.Resolve("op", "监控确认，无人被困", Nov(18, 10, 5)).IsDone);
        var at1010 = ServiceQuality.Compute(site, [alarm], period, Policy, Nov(18, 10, 10));
        Assert.Equal((0, 0), (at1010.Alerts.ClearedUnattended, at1010.Alerts.OpenAtEnd));
        Assert.Equal(0.0, at1010.Alerts.ShareCriticalOnSiteWithinSla);
        Assert.Null(at1010.Alerts.MeanMinutesToArrive);
        Assert.Equal(25, at1010.Alerts.MeanMinutesToResolve!.Value, 9);
        Assert.Equal(25, at1010.Elevators.MeanMinutesToRelease!.Value, 9);
    }

    private static (Site Site, ReportPeriod Period, SiteServiceQuality Figures) FiguresAt(DateTimeOffset at)
    {
        var site = Site();
        var period = ReportPeriod.Month(2026, 11, site.TimeZone);
        return (site, period, ServiceQuality.Compute(site, Ledger(site).AsOf(at), period, Policy, at, recordsSince: Nov(1, 0)));
    }

    private static Site Site()
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
        return new Site("court", "测试苑", TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"), 28.2, 112.9, zones, devices);
    }

    /// <summary>
    /// What happened in November up to 10:30 on the 18th. a1–a7 are the alerts the expected figures name.
    /// </summary>
    private static Steps Ledger(Site site)
    {
        var steps = new Steps(site);
        steps.Alert("a1", "chg-2", AlertType.FlyingWireCharging, Nov(2, 10)).Ack(Nov(2, 10, 5)).Resolve(Nov(2, 10, 35));
        steps.Alert("a7", "lift-1", AlertType.ElevatorEntrapment, Nov(5, 8)).Ack(Nov(5, 8, 3)).Arrive(Nov(5, 8, 12)).Resolve(Nov(5, 8, 20));
        // Critical, cooled down five minutes later before anyone answered: cleared unattended.
        steps.Alert("a6", "chg-2", AlertType.ChargerOverheat, Nov(10, 20)).Clear(Nov(10, 20, 5));
        // The gate camera covered for half an hour; nobody answered within 15 minutes.
        steps.Alert("a2", "cam-1", AlertType.CameraTamper, Nov(17, 8)).Escalate(Nov(17, 8, 15)).Clear(Nov(17, 8, 30));
        steps.Alert("lamp", "lamp-2", AlertType.BrokenLight, Nov(18, 6)).Escalate(Nov(18, 6, 15));
        steps.Alert("a5", "lift-2", AlertType.ElevatorEntrapment, Nov(18, 9, 40)).Ack(Nov(18, 9, 44));
        steps.Alert("a4", "chg-1", AlertType.FlyingWireCharging, Nov(18, 9, 50));
        steps.Alert("a3", "lift-1", AlertType.ElevatorFault, Nov(18, 9, 52));
        return steps;
    }

    /// <summary>The month's history as steps, replayed through the alert aggregate up to an instant.</summary>
    private sealed class Steps(Site site)
    {
        private readonly List<(string Name, string Device, AlertType Type, List<(DateTimeOffset At, string Step)> Steps)> _alerts = [];

        public Builder Alert(string name, string device, AlertType type, DateTimeOffset raised)
        {
            var steps = new List<(DateTimeOffset, string)> { (raised, "raise") };
            _alerts.Add((name, device, type, steps));
            return new Builder(steps);
        }

        public IReadOnlyList<Alert> AsOf(DateTimeOffset now)
        {
            var alerts = new List<Alert>();
            foreach (var (_, deviceId, type, steps) in _alerts)
            {
                if (steps[0].At > now)
                {
                    continue;
                }

                var device = site.Devices[deviceId];
                var alert = RedProperty.Iot.Domain.Alerts.Alert.Raise(Guid.NewGuid(), new AlertKey(site.Id, deviceId, type), device.Zone, device.Kind, AlertCatalogue.SeverityOf(type, device.Kind), "test", steps[0].At);
                foreach (var (at, step) in steps.Skip(1).Where(s => s.At <= now))
                {
                    switch (step)
                    {
                        case "ack": Assert.True(alert.Acknowledge("op", at).IsDone); break;
                        case "arrive": Assert.True(alert.Arrive("op", at, ArrivalProof.Sticker, device.Place).IsDone); break;
                        case "resolve": Assert.True(alert.Resolve("op", "handled", at).IsDone); break;
                        case "escalate": Assert.True(alert.Escalate(AlertEscalation.NotAcknowledged, at)); break;
                        default: Assert.True(alert.Clear(at, "back to normal")); break;
                    }
                }

                alerts.Add(alert);
            }

            return alerts;
        }

        public sealed class Builder(List<(DateTimeOffset At, string Step)> steps)
        {
            public Builder Ack(DateTimeOffset at) => Add(at, "ack");

            public Builder Arrive(DateTimeOffset at) => Add(at, "arrive");

            public Builder Resolve(DateTimeOffset at) => Add(at, "resolve");

            public Builder Clear(DateTimeOffset at) => Add(at, "clear");

            public Builder Escalate(DateTimeOffset at) => Add(at, "escalate");

            private Builder Add(DateTimeOffset at, string step)
            {
                steps.Add((at, step));
                return this;
            }
        }
    }
}
