using Microsoft.Extensions.Time.Testing;
using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Domain.Registry;
using RedProperty.Iot.Domain.Reports;

namespace RedProperty.Iot.Domain.Tests.Reports;

/// <summary>
/// A month of alert history generated from a seed and played on a virtual clock through the alert
/// aggregate; the test keeps its own ledger of what happened and works every figure out from it
/// independently: durations by walking the month minute by minute, not by joining intervals.
/// </summary>
public sealed class GeneratedMonthTests
{
    private static readonly EscalationPolicy Policy = EscalationPolicy.Default;

    /// <summary>What happened to one device, in whole minutes: raised, maybe escalated, acknowledged and someone on site, then cleared or resolved (or not yet).</summary>
    private sealed record Incident(Device Device, AlertType Type, DateTimeOffset Start, DateTimeOffset? Escalated, DateTimeOffset? Ack, DateTimeOffset? End, bool ResolvedByStaff, DateTimeOffset? Arrived = null)
    {
        public bool ActiveAt(DateTimeOffset minute) => Start <= minute && (End is null || minute < End);
    }

    [Theory]
    [InlineData("Asia/Shanghai", 2026, 10, 1)]
    [InlineData("America/New_York", 2026, 11, 2)] // clocks go back on 1 November: 30 days and an hour
    [InlineData("Europe/Berlin", 2026, 3, 3)] // clocks go forward on 29 March: 31 days less an hour
    public void A_generated_month_gives_the_figures_worked_out_from_the_ledger(string zoneId, int year, int month, int seed)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var site = Site(zone);
        var period = ReportPeriod.Month(year, month, zone);
        var ledger = Generate(site, period, new Random(seed));
        var clock = new FakeTimeProvider(period.From.AddDays(-6));
        var alerts = Play(site, ledger, clock);

        Assert.True(clock.GetUtcNow() > period.To);
        var report = ServiceQuality.Compute(site, alerts, period, Policy, clock.GetUtcNow());
        Assert.True(report.Ended);

        // The ledger covers what the period-edge rules are about.
        Assert.Contains(ledger, i => i.Start < period.From && (i.End is null || i.End > period.From));
        Assert.Contains(ledger, i => i.Start >= period.From && i.Start < period.To && (i.End is null || i.End >= period.To));
        Assert.Contains(ledger, i => i.Start >= period.To);
        Assert.Contains(ledger, i => i.Escalated is not null && i.Start >= period.From && i.Start < period.To);

        var inMonth = ledger.Where(i => i.Start >= period.From && i.Start < period.To).ToArray();
        DateTimeOffset? ClosedBeforeEnd(Incident i) => i.End < period.To ? i.End : null;
        DateTimeOffset? AckBeforeEnd(Incident i) => i.Ack < period.To ? i.Ack : null;

        // Cleared by the system before anyone acknowledged it (an acknowledgement always comes before the end).
        bool Unattended(Incident i) => ClosedBeforeEnd(i) is not null && !i.ResolvedByStaff && i.Ack is null;

        // Alerts: counted in the month they were raised.
        var a = report.Alerts;
        Assert.Equal(inMonth.Length, a.Raised);
        Assert.Equal(inMonth.GroupBy(i => i.Type.ToWire()).ToDictionary(g => g.Key, g => g.Count()), a.ByType);
        Assert.Equal(inMonth.GroupBy(i => AlertCatalogue.SeverityOf(i.Type, i.Device.Kind).ToWire()).ToDictionary(g => g.Key, g => g.Count()), a.BySeverity);
        var toAck = inMonth.Where(i => i.Ack < period.To).Select(i => (i.Ack!.Value - i.Start).TotalMinutes).ToList();
        AssertClose(Mean(toAck), a.MeanMinutesToAcknowledge);
        AssertClose(NearestRank(toAck, 90), a.P90MinutesToAcknowledge);
        var toResolve = inMonth.Where(i => ClosedBeforeEnd(i) is not null && !Unattended(i)).Select(i => (i.End!.Value - i.Start).TotalMinutes).ToList();
        AssertClose(Mean(toResolve), a.MeanMinutesToResolve);
        AssertClose(NearestRank(toResolve, 90), a.P90MinutesToResolve);

        // Needed a response: acknowledged, or still waiting when the 15 minutes ran out inside the period.
        var needing = inMonth.Where(i =>
        {
            var due = i.Start + Policy.AcknowledgeWithin;
            return i.Ack < period.To || ((ClosedBeforeEnd(i) is not { } closed || closed > due) && due <= period.To);
        }).ToArray();
        AssertClose(needing.Length == 0 ? null : (double)needing.Count(i => i.Ack < period.To && i.Ack <= i.Start + Policy.AcknowledgeWithin) / needing.Length, a.ShareAcknowledgedWithinSla);
        // Still waiting for a response at the end with the 15 minutes running into the next month: pending.
        Assert.Equal(inMonth.Count(i => AckBeforeEnd(i) is null && ClosedBeforeEnd(i) is null && i.Start + Policy.AcknowledgeWithin > period.To), a.PendingAcknowledgement);
        Assert.Contains(inMonth, i => AckBeforeEnd(i) is null && ClosedBeforeEnd(i) is null && i.Start + Policy.AcknowledgeWithin > period.To);

        // On site: critical alerts a person answered (not cleared unattended), met when someone arrived within 30
        // minutes; missed when nobody arrived in time, or a person closed it without anyone arriving; not counted
        // when the system closed it before the 30 minutes ran out with nobody there; pending while they run.
        var critical = inMonth.Where(i => AlertCatalogue.SeverityOf(i.Type, i.Device.Kind) == AlertSeverity.Critical && !Unattended(i)).ToArray();
        DateTimeOffset? ArrivedBeforeEnd(Incident i) => i.Arrived < period.To ? i.Arrived : null;
        bool OnSiteInTime(Incident i) => ArrivedBeforeEnd(i) is { } arrived && arrived - i.Start <= Policy.ArriveWithin;
        bool NotNeeded(Incident i) => ArrivedBeforeEnd(i) is null && ClosedBeforeEnd(i) is { } c && c - i.Start <= Policy.ArriveWithin && !i.ResolvedByStaff;
        bool Counted(Incident i) => ArrivedBeforeEnd(i) is not null || (!NotNeeded(i) && (ClosedBeforeEnd(i) is not null || i.Start + Policy.ArriveWithin <= period.To));
        var onSiteCounted = critical.Where(Counted).ToArray();
        AssertClose(onSiteCounted.Length == 0 ? null : (double)onSiteCounted.Count(OnSiteInTime) / onSiteCounted.Length, a.ShareCriticalOnSiteWithinSla);
        Assert.Equal(critical.Count(i => !Counted(i) && !NotNeeded(i)), a.PendingOnSite);
        var toArrive = critical.Where(i => ArrivedBeforeEnd(i) is not null).Select(i => (i.Arrived!.Value - i.Start).TotalMinutes).ToList();
        AssertClose(Mean(toArrive), a.MeanMinutesToArrive);
        AssertClose(NearestRank(toArrive, 90), a.P90MinutesToArrive);
        Assert.Null(a.ShareCriticalResolvedWithinSla);
        // The ledger has each case: on site in time and late, closed by a person with nobody there, not needed.
        Assert.Contains(onSiteCounted, OnSiteInTime);
        Assert.Contains(onSiteCounted, i => ArrivedBeforeEnd(i) is not null && !OnSiteInTime(i));
        Assert.Contains(onSiteCounted, i => ArrivedBeforeEnd(i) is null && i.ResolvedByStaff && ClosedBeforeEnd(i) is { } c && c - i.Start <= Policy.ArriveWithin);
        Assert.Contains(critical, NotNeeded);
        Assert.Equal(inMonth.Count(Unattended), a.ClearedUnattended);
        Assert.Contains(inMonth, i => Unattended(i) && AlertCatalogue.SeverityOf(i.Type, i.Device.Kind) == AlertSeverity.Critical);
        Assert.Equal(inMonth.Count(i => i.Escalated < period.To), a.Escalations);
        Assert.Equal(inMonth.Count(i => ClosedBeforeEnd(i) is null), a.OpenAtEnd);

        // Minute by minute through the period.
        var minutes = (int)period.Length.TotalMinutes;
        var down = new Dictionary<string, int>();
        double lampMinutesDark = 0;
        var cameraDown = new Dictionary<string, int>();
        var offline = new Dictionary<string, int>();
        foreach (var device in site.Devices.Values)
        {
            var own = ledger.Where(i => i.Device.Id == device.Id).ToArray();
            for (var m = 0; m < minutes; m++)
            {
                var at = period.From.AddMinutes(m);
                var active = own.Where(i => i.ActiveAt(at)).Select(i => i.Type).ToHashSet();
                if (active.Contains(AlertType.BrokenLight)) lampMinutesDark++;
                if (active.Contains(AlertType.ElevatorFault) || active.Contains(AlertType.ElevatorEntrapment)) Increment(down, device.Id);
                if (active.Overlaps([AlertType.DeviceOffline, AlertType.CameraTamper, AlertType.CameraStreamDown])) Increment(cameraDown, device.Id);
                if (active.Contains(AlertType.DeviceOffline)) Increment(offline, device.Id);
            }
        }

        Assert.Equal(inMonth.Count(i => i.Type == AlertType.BrokenLight), report.Lighting.Outages);
        Assert.Equal(lampMinutesDark / 1440, report.Lighting.LampDaysDark, 9);
        AssertClose(Median(inMonth.Where(i => i.Type == AlertType.BrokenLight && ClosedBeforeEnd(i) is not null).Select(i => (i.End!.Value - i.Start).TotalDays).ToList()), report.Lighting.MedianDaysToRepair);

        foreach (var car in site.Devices.Values.Where(d => d.Kind == DeviceKind.Elevator))
        {
            Assert.Equal(down.GetValueOrDefault(car.Id), report.Elevators.DowntimeMinutesPerCar[car.Id], 9);
        }

        var entrapments = inMonth.Where(i => i.Type == AlertType.ElevatorEntrapment).ToArray();
        Assert.Equal(entrapments.Length, report.Elevators.Entrapments);
        AssertClose(Mean(entrapments.Where(i => ClosedBeforeEnd(i) is not null && !Unattended(i)).Select(i => (i.End!.Value - i.Start).TotalMinutes).ToList()), report.Elevators.MeanMinutesToRelease);

        var wires = inMonth.Where(i => i.Type == AlertType.FlyingWireCharging).GroupBy(i => i.Device.Zone).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(wires, report.Charging.FlyingWireIncidentsPerZone);
        Assert.Equal(wires.Where(w => w.Value > 1).Select(w => w.Key).Order(StringComparer.Ordinal), report.Charging.ZonesWithRepeatIncidents);
        Assert.Equal(inMonth.Count(i => i.Type == AlertType.ChargerOverheat), report.Charging.OverheatEvents);

        var cameras = site.Devices.Values.Where(d => d.Kind == DeviceKind.Camera).ToArray();
        foreach (var camera in cameras)
        {
            Assert.Equal(1 - ((double)cameraDown.GetValueOrDefault(camera.Id) / minutes), report.Cameras.AvailabilityPerCamera[camera.Id], 9);
        }

        Assert.Equal(cameras.Average(c => 1 - ((double)cameraDown.GetValueOrDefault(c.Id) / minutes)), report.Cameras.SiteAvailability!.Value, 9);
        foreach (var kind in site.Devices.Values.GroupBy(d => d.Kind))
        {
            Assert.Equal(kind.Average(d => 1 - ((double)offline.GetValueOrDefault(d.Id) / minutes)), report.DeviceAvailabilityByKind[kind.Key.ToWire()], 9);
        }
    }

    private static Site Site(TimeZoneInfo zone)
    {
        Device D(string id, DeviceKind kind, string zoneId) => new("gen", id, kind, zoneId, null, "hash", 30, null, kind == DeviceKind.Charger ? ChargerCircuit.Corridor : null);
        var devices = new[]
        {
            D("lamp-1", DeviceKind.Light, "z1"), D("lamp-2", DeviceKind.Light, "z1"), D("lamp-3", DeviceKind.Light, "z2"),
            D("lift-1", DeviceKind.Elevator, "car-1"), D("lift-2", DeviceKind.Elevator, "car-2"),
            D("chg-1", DeviceKind.Charger, "z1"), D("chg-2", DeviceKind.Charger, "z1"), D("chg-3", DeviceKind.Charger, "z2"),
            D("cam-1", DeviceKind.Camera, "gate"), D("cam-2", DeviceKind.Camera, "gate"), D("cam-3", DeviceKind.Camera, "z2"),
            D("chg-edge", DeviceKind.Charger, "z3"), D("lift-edge", DeviceKind.Elevator, "car-3"),
        }.ToDictionary(d => d.Id);
        var zones = devices.Values.Select(d => d.Zone).Distinct().ToDictionary(z => z, z => new Zone(z, z, "area"));
        return new Site("gen", "生成苑", zone, 28.2, 112.9, zones, devices);
    }

    /// <summary>Incidents per device and type, one after another (an open alert is unique per device and type), from six days before the month to four after.</summary>
    private static List<Incident> Generate(Site site, ReportPeriod period, Random random)
    {
        var from = period.From.AddDays(-6);
        var until = period.To.AddDays(4);
        var ledger = new List<Incident>();

        // At the month's end: raised 10 minutes before it and not answered (its 15 minutes run out in the
        // next month), raised 20 minutes before it and not answered, and acknowledged only after it.
        var charger = site.Devices["chg-edge"];
        var car = site.Devices["lift-edge"];
        ledger.Add(new Incident(charger, AlertType.FlyingWireCharging, period.To.AddMinutes(-10), period.To.AddMinutes(5), null, null, false));
        ledger.Add(new Incident(charger, AlertType.ChargerOverheat, period.To.AddMinutes(-20), period.To.AddMinutes(-5), null, null, false));
        ledger.Add(new Incident(car, AlertType.ElevatorEntrapment, period.To.AddMinutes(-25), period.To.AddMinutes(-10), period.To.AddMinutes(5), period.To.AddMinutes(20), true));

        foreach (var device in site.Devices.Values.Where(d => !d.Id.EndsWith("-edge", StringComparison.Ordinal)))
        {
            foreach (var (type, shortest, longest) in TypesOf(device.Kind))
            {
                var start = from.AddMinutes(random.Next(0, 3 * 1440));
                while (start < until)
                {
                    var length = TimeSpan.FromMinutes(random.Next((int)shortest.TotalMinutes, (int)longest.TotalMinutes + 1));
                    var end = start + length;
                    DateTimeOffset? ack = random.NextDouble() < 0.7 ? start.AddMinutes(random.Next(1, 41)) : null;
                    if (ack >= end) ack = null;
                    var escalateAt = start + Policy.AcknowledgeWithin;
                    DateTimeOffset? escalated = (ack is null || ack > escalateAt) && end > escalateAt ? escalateAt : null;
                    var open = end > until;
                    // Someone on site after the acknowledgement, in time or late, for most critical alerts.
                    DateTimeOffset? arrived = ack is { } acked && AlertCatalogue.SeverityOf(type, device.Kind) == AlertSeverity.Critical && random.NextDouble() < 0.7
                        ? acked.AddMinutes(random.Next(1, 41))
                        : null;
                    if (arrived >= end) arrived = null;
                    ledger.Add(new Incident(device, type, start, escalated, ack, open ? null : end, !open && random.NextDouble() < 0.5, arrived));
                    if (open) break;
                    start = end.AddMinutes(random.Next(60, 5 * 1440));
                }
            }
        }

        return ledger;
    }

    private static IEnumerable<(AlertType Type, TimeSpan Shortest, TimeSpan Longest)> TypesOf(DeviceKind kind) => kind switch
    {
        DeviceKind.Light => [(AlertType.BrokenLight, TimeSpan.FromHours(6), TimeSpan.FromDays(4)), (AlertType.DeviceOffline, TimeSpan.FromMinutes(10), TimeSpan.FromDays(1))],
        DeviceKind.Elevator => [(AlertType.ElevatorFault, TimeSpan.FromMinutes(10), TimeSpan.FromHours(8)), (AlertType.ElevatorEntrapment, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(60)), (AlertType.DeviceOffline, TimeSpan.FromMinutes(10), TimeSpan.FromHours(12))],
        DeviceKind.Charger => [(AlertType.FlyingWireCharging, TimeSpan.FromMinutes(5), TimeSpan.FromHours(4)), (AlertType.ChargerOverheat, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(60))],
        _ => [(AlertType.CameraTamper, TimeSpan.FromMinutes(10), TimeSpan.FromHours(12)), (AlertType.CameraStreamDown, TimeSpan.FromMinutes(5), TimeSpan.FromHours(6)), (AlertType.DeviceOffline, TimeSpan.FromMinutes(10), TimeSpan.FromDays(1))],
    };

    /// <summary>Plays the ledger in time order on the virtual clock: every step through the aggregate's own methods, stamped by the clock.</summary>
    private static List<Alert> Play(Site site, List<Incident> ledger, FakeTimeProvider clock)
    {
        var steps = new List<(DateTimeOffset At, int Order, Incident Incident, string Step)>();
        foreach (var i in ledger)
        {
            steps.Add((i.Start, 0, i, "raise"));
            if (i.Escalated is { } e) steps.Add((e, 1, i, "escalate"));
            if (i.Ack is { } ack) steps.Add((ack, 2, i, "ack"));
            if (i.Arrived is { } arrived) steps.Add((arrived, 3, i, "arrive"));
            if (i.End is { } end) steps.Add((end, 4, i, i.ResolvedByStaff ? "resolve" : "clear"));
        }

        var alerts = new Dictionary<Incident, Alert>();
        foreach (var (at, _, incident, step) in steps.OrderBy(s => s.At).ThenBy(s => s.Order))
        {
            if (at > clock.GetUtcNow())
            {
                clock.SetUtcNow(at);
            }

            var now = clock.GetUtcNow();
            switch (step)
            {
                case "raise":
                    alerts[incident] = Alert.Raise(Guid.NewGuid(), new AlertKey(site.Id, incident.Device.Id, incident.Type), incident.Device.Zone, incident.Device.Kind,
                        AlertCatalogue.SeverityOf(incident.Type, incident.Device.Kind), "generated", now);
                    break;
                case "escalate":
                    Assert.True(alerts[incident].Escalate(AlertEscalation.NotAcknowledged, now));
                    break;
                case "ack":
                    Assert.Equal(AlertCommandOutcome.Done, alerts[incident].Acknowledge("op", now).Outcome);
                    break;
                case "arrive":
                    Assert.Equal(AlertCommandOutcome.Done, alerts[incident].Arrive("op", now, ArrivalProof.Sticker, incident.Device.Zone).Outcome);
                    break;
                case "resolve":
                    Assert.Equal(AlertCommandOutcome.Done, alerts[incident].Resolve("op", "handled", now).Outcome);
                    break;
                default:
                    Assert.True(alerts[incident].Clear(now, "back to normal"));
                    break;
            }
        }

        return alerts.Values.ToList();
    }

    private static void Increment(Dictionary<string, int> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;

    private static double? Mean(List<double> values) => values.Count == 0 ? null : values.Sum() / values.Count;

    private static double? NearestRank(List<double> values, int percent)
    {
        if (values.Count == 0) return null;
        var sorted = values.OrderBy(v => v).ToList();
        var rank = (int)Math.Ceiling(percent / 100.0 * sorted.Count);
        return sorted[Math.Max(rank, 1) - 1];
    }

    private static double? Median(List<double> values)
    {
        if (values.Count == 0) return null;
        var sorted = values.OrderBy(v => v).ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static void AssertClose(double? expected, double? actual)
    {
        Assert.Equal(expected is null, actual is null);
        if (expected is { } e)
        {
            Assert.Equal(e, actual!.Value, 9);
        }
    }
}
