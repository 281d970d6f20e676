using RedProperty.Iot.Alerts;
using RedProperty.Iot.Contract;
using RedProperty.Iot.Registry;

namespace RedProperty.Iot.Reports;

/// <summary>A reporting period, half-open: [<see cref="From"/>, <see cref="To"/>).</summary>
public sealed record ReportPeriod(DateTimeOffset From, DateTimeOffset To)
{
    public TimeSpan Length => To - From;

    /// <summary>A calendar month in a site's time zone (its first midnight to the next month's).</summary>
    public static ReportPeriod Month(int year, int month, TimeZoneInfo zone)
    {
        static DateTimeOffset Midnight(DateTime local, TimeZoneInfo zone) => new(local, zone.GetUtcOffset(local));
        var first = new DateTime(year, month, 1, 0, 0, 0, DateTimeKind.Unspecified);
        return new ReportPeriod(Midnight(first, zone), Midnight(first.AddMonths(1), zone));
    }

    /// <summary>The calendar month before the one <paramref name="instant"/> falls in, in the zone (the last full month).</summary>
    public static ReportPeriod MonthBefore(DateTimeOffset instant, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        var previous = new DateTime(local.Year, local.Month, 1).AddMonths(-1);
        return Month(previous.Year, previous.Month, zone);
    }
}

public sealed record AlertFigures(
    int Raised,
    IReadOnlyDictionary<string, int> ByType,
    IReadOnlyDictionary<string, int> BySeverity,
    double? MeanMinutesToAcknowledge,
    double? P90MinutesToAcknowledge,
    double? MeanMinutesToResolve,
    double? P90MinutesToResolve,
    double? ShareAcknowledgedWithinSla,
    double? ShareCriticalResolvedWithinSla,
    int Escalations,
    int OpenAtEnd);

public sealed record LightingFigures(int Outages, double LampDaysDark, double? MedianDaysToRepair);

public sealed record ElevatorFigures(IReadOnlyDictionary<string, double> DowntimeMinutesPerCar, int Entrapments, double? MeanMinutesToRelease);

public sealed record ChargingFigures(IReadOnlyDictionary<string, int> FlyingWireIncidentsPerZone, IReadOnlyList<string> ZonesWithRepeatIncidents, int OverheatEvents);

public sealed record CameraFigures(IReadOnlyDictionary<string, double> AvailabilityPerCamera, double? SiteAvailability);

/// <summary>The figures of one site (or one of its zones, <see cref="Zone"/>) for one period, all from the alert audit trail.</summary>
public sealed record SiteServiceQuality(
    string Site,
    ReportPeriod Period,
    AlertFigures Alerts,
    LightingFigures Lighting,
    ElevatorFigures Elevators,
    ChargingFigures Charging,
    CameraFigures Cameras,
    IReadOnlyDictionary<string, double> DeviceAvailabilityByKind,
    string? Zone = null);

/// <summary>
/// Computes the service-quality figures of a site from its alerts' audit trails. The rules for alerts
/// that cross the period's edges:
/// <list type="bullet">
/// <item>An alert is counted (raised, by type and severity, time to acknowledge and to resolve, SLA
/// shares, open at the end) in the period in which it was first raised.</item>
/// <item>Time to acknowledge runs from the raise to the first acknowledgement; an alert that cleared
/// by itself before anyone was due to respond (within the response promise) does not count towards
/// the response SLA. Time to resolve runs from the raise to the final resolve or clear; alerts still
/// open at the period's end count as open, not in the means.</item>
/// <item>Durations (lamp-days dark, elevator downtime, camera and device availability) use the time
/// each alert was active (raise or reopen until resolve or clear, or the period's end), clipped to the
/// period, whenever the alert was raised; overlapping alerts of one device count once.</item>
/// </list>
/// </summary>
public static class ServiceQuality
{
    /// <summary>
    /// The figures of a site, or with <paramref name="zone"/> of one zone: its alerts and its devices only
    /// (an elevator car is a zone of its own, so a building's zone does not include its cars).
    /// </summary>
    public static SiteServiceQuality Compute(Site site, IEnumerable<Alert> alerts, ReportPeriod period, EscalationPolicy policy, string? zone = null)
    {
        if (zone is not null)
        {
            if (!site.Zones.ContainsKey(zone))
            {
                throw new ArgumentException($"site '{site.Id}' has no zone '{zone}'", nameof(zone));
            }

            site = site with { Devices = site.Devices.Values.Where(d => d.Zone == zone).ToDictionary(d => d.Id) };
            alerts = alerts.Where(a => a.Zone == zone);
        }

        var ofSite = alerts.Where(a => a.Site == site.Id).ToArray();
        var raised = ofSite.Where(a => a.RaisedAt >= period.From && a.RaisedAt < period.To).ToArray();
        return new SiteServiceQuality(
            site.Id,
            period,
            AlertsOf(raised, period, policy),
            LightingOf(ofSite, raised, period),
            ElevatorsOf(site, ofSite, raised, period),
            ChargingOf(raised),
            CamerasOf(site, ofSite, period),
            site.Devices.Values.GroupBy(d => d.Kind).ToDictionary(
                g => g.Key.ToWire(),
                g => g.Average(d => Availability(ofSite, d.Id, period, AlertType.DeviceOffline))),
            zone);
    }

    /// <summary>The active intervals of an alert from its audit trail (raise/reopen → resolve/clear, or <paramref name="end"/>).</summary>
    public static IReadOnlyList<(DateTimeOffset From, DateTimeOffset To)> ActiveIntervals(Alert alert, DateTimeOffset end)
    {
        var intervals = new List<(DateTimeOffset, DateTimeOffset)>();
        DateTimeOffset? start = null;
        foreach (var step in alert.History.OrderBy(h => h.At))
        {
            if (step.Action is AlertTransition.Raised or AlertTransition.Reopened && start is null)
            {
                start = step.At;
            }
            else if (step.Action is AlertTransition.Resolved or AlertTransition.Cleared && start is { } s)
            {
                intervals.Add((s, step.At < end ? step.At : end));
                start = null;
            }
        }

        if (start is { } open && open < end)
        {
            intervals.Add((open, end));
        }

        return intervals;
    }

    private static AlertFigures AlertsOf(IReadOnlyList<Alert> raised, ReportPeriod period, EscalationPolicy policy)
    {
        var toAck = new List<double>();
        var toResolve = new List<double>();
        int needingResponse = 0, acknowledgedInTime = 0, critical = 0, criticalInTime = 0, openAtEnd = 0;
        foreach (var alert in raised)
        {
            var ack = alert.History.Where(h => h.Action == AlertTransition.Acknowledged && h.At < period.To).Select(h => (DateTimeOffset?)h.At).FirstOrDefault();
            var closed = Closed(alert, period.To);
            if (ack is { } acknowledged)
            {
                toAck.Add((acknowledged - alert.RaisedAt).TotalMinutes);
            }

            // Needed a response: acknowledged, or still unacknowledged when the promise ran out.
            var due = alert.RaisedAt + policy.AcknowledgeWithin;
            if (ack is not null || ((closed is null || closed > due) && due <= period.To))
            {
                needingResponse++;
                if (ack is { } a && a <= due)
                {
                    acknowledgedInTime++;
                }
            }

            if (closed is { } end)
            {
                toResolve.Add((end - alert.RaisedAt).TotalMinutes);
            }
            else
            {
                openAtEnd++;
            }

            if (alert.Severity == AlertSeverity.Critical)
            {
                critical++;
                if (closed is { } c && c - alert.RaisedAt <= policy.ResolveCriticalWithin)
                {
                    criticalInTime++;
                }
            }
        }

        return new AlertFigures(
            raised.Count,
            raised.GroupBy(a => a.Type.ToWire()).ToDictionary(g => g.Key, g => g.Count()),
            raised.GroupBy(a => a.Severity.ToWire()).ToDictionary(g => g.Key, g => g.Count()),
            Mean(toAck),
            Percentile(toAck, 0.9),
            Mean(toResolve),
            Percentile(toResolve, 0.9),
            needingResponse == 0 ? null : (double)acknowledgedInTime / needingResponse,
            critical == 0 ? null : (double)criticalInTime / critical,
            raised.Sum(a => a.Escalations.Count(e => e.At < period.To)),
            openAtEnd);
    }

    private static LightingFigures LightingOf(IReadOnlyList<Alert> ofSite, IReadOnlyList<Alert> raised, ReportPeriod period)
    {
        var broken = raised.Where(a => a.Type == AlertType.BrokenLight).ToArray();
        var repairDays = broken.Select(a => Closed(a, period.To) is { } c ? (c - a.RaisedAt).TotalDays : (double?)null).OfType<double>().ToList();
        var darkDays = ofSite.Where(a => a.Type == AlertType.BrokenLight).GroupBy(a => a.DeviceId)
            .Sum(g => Covered(g.SelectMany(a => ActiveIntervals(a, period.To)), period).TotalDays);
        return new LightingFigures(broken.Length, darkDays, Median(repairDays));
    }

    private static ElevatorFigures ElevatorsOf(Site site, IReadOnlyList<Alert> ofSite, IReadOnlyList<Alert> raised, ReportPeriod period)
    {
        var cars = site.Devices.Values.Where(d => d.Kind == DeviceKind.Elevator).Select(d => d.Id);
        var downtime = cars.ToDictionary(car => car, car => Covered(
            ofSite.Where(a => a.DeviceId == car && a.Type is AlertType.ElevatorFault or AlertType.ElevatorEntrapment).SelectMany(a => ActiveIntervals(a, period.To)), period).TotalMinutes);
        var entrapments = raised.Where(a => a.Type == AlertType.ElevatorEntrapment).ToArray();
        var release = entrapments.Select(a => Closed(a, period.To) is { } c ? (c - a.RaisedAt).TotalMinutes : (double?)null).OfType<double>().ToList();
        return new ElevatorFigures(downtime, entrapments.Length, Mean(release));
    }

    private static ChargingFigures ChargingOf(IReadOnlyList<Alert> raised)
    {
        var perZone = raised.Where(a => a.Type == AlertType.FlyingWireCharging).GroupBy(a => a.Zone).ToDictionary(g => g.Key, g => g.Count());
        return new ChargingFigures(perZone, perZone.Where(kv => kv.Value >= 2).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToArray(), raised.Count(a => a.Type == AlertType.ChargerOverheat));
    }

    private static CameraFigures CamerasOf(Site site, IReadOnlyList<Alert> ofSite, ReportPeriod period)
    {
        var cameras = site.Devices.Values.Where(d => d.Kind == DeviceKind.Camera).ToDictionary(
            d => d.Id, d => Availability(ofSite, d.Id, period, AlertType.DeviceOffline, AlertType.CameraTamper, AlertType.CameraStreamDown));
        return new CameraFigures(cameras, cameras.Count == 0 ? null : cameras.Values.Average());
    }

    /// <summary>Share of the period a device was not under any of the given alerts.</summary>
    private static double Availability(IReadOnlyList<Alert> ofSite, string deviceId, ReportPeriod period, params AlertType[] types) =>
        1 - (Covered(ofSite.Where(a => a.DeviceId == deviceId && types.Contains(a.Type)).SelectMany(a => ActiveIntervals(a, period.To)), period) / period.Length);

    /// <summary>The union of intervals inside the period.</summary>
    private static TimeSpan Covered(IEnumerable<(DateTimeOffset From, DateTimeOffset To)> intervals, ReportPeriod period)
    {
        var total = TimeSpan.Zero;
        DateTimeOffset? start = null, end = null;
        foreach (var (from, to) in intervals
            .Select(i => (From: i.From < period.From ? period.From : i.From, To: i.To > period.To ? period.To : i.To))
            .Where(i => i.To > i.From)
            .OrderBy(i => i.From))
        {
            if (end is { } e && from <= e)
            {
                end = to > e ? to : e;
                continue;
            }

            if (start is { } s && end is { } done)
            {
                total += done - s;
            }

            (start, end) = (from, to);
        }

        return start is { } last && end is { } lastEnd ? total + (lastEnd - last) : total;
    }

    /// <summary>When the alert was finally resolved or cleared, if before <paramref name="end"/> and not reopened since.</summary>
    private static DateTimeOffset? Closed(Alert alert, DateTimeOffset end)
    {
        DateTimeOffset? closed = null;
        foreach (var step in alert.History.Where(h => h.At < end).OrderBy(h => h.At))
        {
            if (step.Action is AlertTransition.Resolved or AlertTransition.Cleared)
            {
                closed = step.At;
            }
            else if (step.Action == AlertTransition.Reopened)
            {
                closed = null;
            }
        }

        return closed;
    }

    private static double? Mean(List<double> values) => values.Count == 0 ? null : values.Average();

    private static double? Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>Nearest-rank percentile.</summary>
    private static double? Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
