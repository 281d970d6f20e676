using RedProperty.Iot.Alerts;
using RedProperty.Iot.Contract;
using RedProperty.Iot.Registry;
using RedProperty.Iot.Reports;

namespace RedProperty.Iot.Domain.Tests.Reports;

/// <summary>November 2026 while it is still running, figured at fixed instants on 18 November; every number worked out by hand.</summary>
public sealed class OpenMonthTests
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);
    private static readonly EscalationPolicy Policy = EscalationPolicy.Default;

    private static DateTimeOffset Nov(int day, int hour, int minute = 0) => new(2026, 11, day, hour, minute, 0, China);

    [Fact]
    public void At_ten_an_eight_minute_old_fault_is_eight_minutes_of_downtime_and_deadlines_still_running_are_pending()
    {
        var site = Site();
        var period = ReportPeriod.Month(2026, 11, site.TimeZone);
        var at = Nov(18, 10);
        var figures = ServiceQuality.Compute(site, Ledger(site).AsOf(at), period, Policy);

        Assert.Equal(20 + 8, figures.Elevators.DowntimeMinutesPerCar["lift-1"], 9);
        Assert.Equal(20, figures.Elevators.DowntimeMinutesPerCar["lift-2"], 9);
        Assert.Equal(3 / 5.0, figures.Alerts.ShareAcknowledgedWithinSla!.Value, 9);
        Assert.Equal(1.0, figures.Alerts.ShareCriticalResolvedWithinSla!.Value, 9);
        Assert.Equal(1 - (30 / 25080.0), figures.Cameras.AvailabilityPerCamera["cam-1"], 9);
        Assert.Equal(4 / 24.0, figures.Lighting.LampDaysDark, 9);
        Assert.Equal((35 + 20) / 2.0, figures.Alerts.MeanMinutesToResolve!.Value, 9);
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
        steps.Alert("a7", "lift-1", AlertType.ElevatorEntrapment, Nov(5, 8)).Ack(Nov(5, 8, 3)).Resolve(Nov(5, 8, 20));
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
                var alert = RedProperty.Iot.Alerts.Alert.Raise(Guid.NewGuid(), new AlertKey(site.Id, deviceId, type), device.Zone, device.Kind, AlertCatalogue.SeverityOf(type, device.Kind), "test", steps[0].At);
                foreach (var (at, step) in steps.Skip(1).Where(s => s.At <= now))
                {
                    switch (step)
                    {
                        case "ack": Assert.True(alert.Acknowledge("op", at).IsDone); break;
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
