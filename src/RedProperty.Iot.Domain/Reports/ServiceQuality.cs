using System.Text.Json.Serialization;
using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Domain.Field;
using RedProperty.Iot.Domain.Registry;

namespace RedProperty.Iot.Domain.Reports;

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

/// <summary>
/// A period's alert figures. <see cref="ShareCriticalOnSiteWithinSla"/> is the on-site promise: critical alerts
/// with someone's arrival recorded within 30 minutes of the raise. <see cref="ShareCriticalResolvedWithinSla"/>
/// is only in monthly snapshots published before arrival was recorded (schemas 1 and 2), which counted a
/// critical alert as met when it was resolved within 30 minutes.
/// </summary>
public sealed record AlertFigures(
    int Raised,
    IReadOnlyDictionary<string, int> ByType,
    IReadOnlyDictionary<string, int> BySeverity,
    double? MeanMinutesToAcknowledge,
    double? P90MinutesToAcknowledge,
    double? MeanMinutesToResolve,
    double? P90MinutesToResolve,
    double? ShareAcknowledgedWithinSla,
    double? ShareCriticalOnSiteWithinSla,
    int Escalations,
    int OpenAtEnd,
    int PendingAcknowledgement = 0,
    int PendingOnSite = 0,
    int ClearedUnattended = 0,
    double? MeanMinutesToArrive = null,
    double? P90MinutesToArrive = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? ShareCriticalResolvedWithinSla = null);

public sealed record LightingFigures(int Outages, double LampDaysDark, double? MedianDaysToRepair);

public sealed record ElevatorFigures(IReadOnlyDictionary<string, double> DowntimeMinutesPerCar, int Entrapments, double? MeanMinutesToRelease);

public sealed record ChargingFigures(IReadOnlyDictionary<string, int> FlyingWireIncidentsPerZone, IReadOnlyList<string> ZonesWithRepeatIncidents, int OverheatEvents);

/// <summary>
/// One group of residents' reports (a category, or a place): <see cref="Alerts"/> the jobs they made (reports of
/// one place and category merge while open), <see cref="Reports"/> the residents' reports in them, the means of
/// time to respond and to be on site, and the share with someone on site within the promise.
/// </summary>
public sealed record ResidentGroupFigures(
    int Alerts, int Reports, double? MeanMinutesToAcknowledge, double? MeanMinutesToArrive, double? ShareOnSiteWithinSla, int PendingOnSite);

/// <summary>A place residents reported from: its name and zone, its figures, and what was reported there.</summary>
public sealed record ResidentPlaceFigures(string Name, string Zone, ResidentGroupFigures Figures, IReadOnlyList<string> Categories, int Activations);

/// <summary>
/// Residents' reports (<c>resident_report</c> alerts raised in the period): in all, per category and per place,
/// and the repeat places: those where residents' alerts were raised or reopened twice or more in the period
/// (something was reported again after it was resolved, or two different things went wrong).
/// </summary>
public sealed record ResidentFigures(
    ResidentGroupFigures All,
    double? P90MinutesToAcknowledge,
    double? P90MinutesToArrive,
    IReadOnlyDictionary<string, ResidentGroupFigures> ByCategory,
    IReadOnlyDictionary<string, ResidentPlaceFigures> ByPlace,
    IReadOnlyList<string> RepeatPlaces);

public sealed record CameraFigures(IReadOnlyDictionary<string, double> AvailabilityPerCamera, double? SiteAvailability);

/// <summary>
/// The figures of one site (or one of its zones, <see cref="Zone"/>) for one period, all from the alert audit
/// trail, as of <see cref="AsOf"/>: the period's end once it has <see cref="Ended"/>, else the moment they were
/// computed (so far). <see cref="HasRecords"/> is false for a period that ended before the hub's records begin,
/// or for a site (zone) without devices: its figures would look perfect and mean nothing.
/// </summary>
public sealed record SiteServiceQuality(
    string Site,
    ReportPeriod Period,
    AlertFigures Alerts,
    LightingFigures Lighting,
    ElevatorFigures Elevators,
    ChargingFigures Charging,
    CameraFigures Cameras,
    IReadOnlyDictionary<string, double> DeviceAvailabilityByKind,
    string? Zone = null,
    DateTimeOffset? AsOf = null,
    bool Ended = true,
    bool HasRecords = true,
    ResidentFigures? Residents = null);

/// <summary>
/// Computes the service-quality figures of a site from its alerts' audit trails, as of the end of the
/// period or, for a period that has not ended, as of now (the hub's clock). The rules:
/// <list type="bullet">
/// <item>An alert is counted (raised, by type and severity, time to acknowledge and to resolve, SLA
/// shares, open at the end) in the period in which it was first raised.</item>
/// <item>A promise (respond within 15 minutes, someone on site within 30 for critical alerts) whose
/// deadline has not passed by then is neither met nor missed: it is pending. Someone is on site when their
/// arrival is recorded (sticker or desk); a critical alert a person closed without an arrival missed the
/// promise, one the system closed before the promise ran out (its condition ended) did not need it.</item>
/// <item>Time to acknowledge runs from the raise to the first acknowledgement; an alert that cleared
/// by itself before anyone was due to respond does not count towards the response SLA. Time to resolve
/// runs from the raise to the final resolve or clear; alerts still open count as open, not in the means.</item>
/// <item>An alert whose condition cleared before anyone responded (cleared by the system, or marked
/// cleared while it waits for staff and until a person resolves it) is "cleared unattended": it counts in
/// neither the times to resolve and release nor the on-site share.</item>
/// <item>Durations (lamp-days dark, elevator downtime, camera and device availability) use the time
/// each alert's condition held (raise, reopen or return until resolve, clear or condition cleared, or
/// the end), clipped to the period up to then, whenever the alert was raised; overlapping alerts of one
/// device count once; availability is a share of the period's time so far.</item>
/// </list>
/// </summary>
public static class ServiceQuality
{
    /// <summary>
    /// The figures of a site, or with <paramref name="zone"/> of one zone: its alerts and its devices only
    /// (an elevator car is a zone of its own, so a building's zone does not include its cars).
    /// </summary>
    /// <param name="now">The hub's clock: a period that has not ended is figured up to here.</param>
    /// <param name="recordsSince">Since when the hub has records, if known: a period that ended before has none.</param>
    public static SiteServiceQuality Compute(Site site, IEnumerable<Alert> alerts, ReportPeriod period, EscalationPolicy policy, DateTimeOffset now, string? zone = null, DateTimeOffset? recordsSince = null)
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

        // The part of the period that has happened: all of it once it has ended.
        var end = now < period.To ? now : period.To;
        var sofar = new ReportPeriod(period.From, end > period.From ? end : period.From);
        var ofSite = alerts.Where(a => a.Site == site.Id).ToArray();
        var raised = ofSite.Where(a => a.RaisedAt >= sofar.From && a.RaisedAt < sofar.To).ToArray();
        return new SiteServiceQuality(
            site.Id,
            period,
            AlertsOf(raised, sofar.To, policy),
            LightingOf(ofSite, raised, sofar),
            ElevatorsOf(site, ofSite, raised, sofar),
            ChargingOf(raised),
            CamerasOf(site, ofSite, sofar),
            site.Devices.Values.GroupBy(d => d.Kind).ToDictionary(
                g => g.Key.ToWire(),
                g => g.Average(d => Availability(ofSite, d.Id, sofar, AlertType.DeviceOffline))),
            zone,
            sofar.To,
            now >= period.To,
            site.Devices.Count > 0 && (recordsSince is null || recordsSince < period.To),
            ResidentsOf(site, raised.Where(a => a.Type == AlertType.ResidentReport).ToArray(), sofar.To, policy));
    }

    /// <summary>Residents' reports raised in the period, as of <paramref name="end"/>: with the same rules as every alert.</summary>
    private static ResidentFigures ResidentsOf(Site site, IReadOnlyList<Alert> raised, DateTimeOffset end, EscalationPolicy policy)
    {
        ResidentGroupFigures Group(IReadOnlyList<Alert> alerts)
        {
            var figures = AlertsOf(alerts, end, policy);
            return new ResidentGroupFigures(alerts.Count, alerts.Sum(a => a.Count), figures.MeanMinutesToAcknowledge, figures.MeanMinutesToArrive, figures.ShareCriticalOnSiteWithinSla, figures.PendingOnSite);
        }

        var keyed = raised.Select(a => ResidentReportKey.TryParse(a.DeviceId, out var category, out var place) ? (Alert: a, Category: category, Place: place) : (Alert: a, Category: "other", Place: a.Zone)).ToArray();
        var all = AlertsOf(raised, end, policy);
        var byPlace = keyed.GroupBy(k => k.Place).ToDictionary(
            g => g.Key,
            g => new ResidentPlaceFigures(
                site.Places.GetValueOrDefault(g.Key)?.Name ?? g.Key,
                g.First().Alert.Zone,
                Group([.. g.Select(k => k.Alert)]),
                [.. g.Select(k => k.Category).Distinct().Order(StringComparer.Ordinal)],
                g.Sum(k => 1 + k.Alert.History.Count(h => h.Action == AlertTransition.Reopened && h.At < end))));
        return new ResidentFigures(
            Group(raised),
            all.P90MinutesToAcknowledge,
            all.P90MinutesToArrive,
            keyed.GroupBy(k => k.Category).ToDictionary(g => g.Key, g => Group([.. g.Select(k => k.Alert)])),
            byPlace,
            [.. byPlace.Where(p => p.Value.Activations >= 2).OrderByDescending(p => p.Value.Activations).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key)]);
    }

    /// <summary>
    /// The intervals in which an alert's condition held, from its audit trail: raise, reopen or the condition's
    /// return until resolve, clear or the condition clearing (an alert waiting for staff), or <paramref name="end"/>.
    /// </summary>
    public static IReadOnlyList<(DateTimeOffset From, DateTimeOffset To)> ActiveIntervals(Alert alert, DateTimeOffset end)
    {
        var intervals = new List<(DateTimeOffset, DateTimeOffset)>();
        DateTimeOffset? start = null;
        foreach (var step in alert.History.OrderBy(h => h.At))
        {
            if (step.Action is AlertTransition.Raised or AlertTransition.Reopened or AlertTransition.ConditionReturned && start is null)
            {
                start = step.At;
            }
            else if (step.Action is AlertTransition.Resolved or AlertTransition.Cleared or AlertTransition.ConditionCleared && start is { } s)
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

    /// <summary>The alert figures as of <paramref name="end"/> (the period's end, or now).</summary>
    private static AlertFigures AlertsOf(IReadOnlyList<Alert> raised, DateTimeOffset end, EscalationPolicy policy)
    {
        var toAck = new List<double>();
        var toResolve = new List<double>();
        var toArrive = new List<double>();
        int needingResponse = 0, acknowledgedInTime = 0, pendingResponse = 0, critical = 0, criticalInTime = 0, pendingOnSite = 0, openAtEnd = 0, unattended = 0;
        foreach (var alert in raised)
        {
            var ack = alert.History.Where(h => h.Action == AlertTransition.Acknowledged && h.At < end).Select(h => (DateTimeOffset?)h.At).FirstOrDefault();
            var closed = Closed(alert, end);
            var clearedUnattended = ClearedUnattended(alert, end);
            if (ack is { } acknowledged)
            {
                toAck.Add((acknowledged - alert.RaisedAt).TotalMinutes);
            }

            // Needed a response: acknowledged, or still unacknowledged when the promise ran out. Still
            // unacknowledged with the promise running: pending. Closed before it ran out: not counted.
            var due = alert.RaisedAt + policy.AcknowledgeWithin;
            if (ack is { } a)
            {
                needingResponse++;
                acknowledgedInTime += a <= due ? 1 : 0;
            }
            else if (closed is null || closed > due)
            {
                needingResponse += due <= end ? 1 : 0;
                pendingResponse += due > end ? 1 : 0;
            }

            if (closed is { } c)
            {
                if (!clearedUnattended)
                {
                    toResolve.Add((c - alert.RaisedAt).TotalMinutes);
                }
            }
            else
            {
                openAtEnd++;
            }

            unattended += clearedUnattended ? 1 : 0;
            if (EscalationPolicy.PromisesOnSite(alert) && !clearedUnattended)
            {
                // Someone on site in time: an arrival recorded within the promise. Closed by a person without
                // anyone arriving, or nobody there when it ran out: missed. Ended by the system before it ran
                // out with nobody there: nobody was needed. Otherwise, with the promise running: pending.
                var arriveDue = alert.RaisedAt + policy.ArriveWithin;
                if (FirstArrival(alert, end) is { } arrived)
                {
                    critical++;
                    criticalInTime += arrived <= arriveDue ? 1 : 0;
                    toArrive.Add((arrived - alert.RaisedAt).TotalMinutes);
                }
                else if (closed is { } done && done <= arriveDue && !ClosedByStaff(alert, end))
                {
                    // The condition ended (cleared by the system) before anyone was due on site.
                }
                else if (closed is not null || arriveDue <= end)
                {
                    critical++;
                }
                else
                {
                    pendingOnSite++;
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
            raised.Sum(a => a.Escalations.Count(e => e.At < end)),
            openAtEnd,
            pendingResponse,
            pendingOnSite,
            unattended,
            Mean(toArrive),
            Percentile(toArrive, 0.9));
    }

    /// <summary>The first arrival recorded before <paramref name="end"/> (any activation: the alert is counted once, from its raise).</summary>
    private static DateTimeOffset? FirstArrival(Alert alert, DateTimeOffset end) =>
        alert.History.Where(h => h.Action == AlertTransition.Arrived && h.At < end).Select(h => (DateTimeOffset?)h.At).Min();

    /// <summary>Whether the alert's last close before <paramref name="end"/> was a person's resolve (not the system's clear).</summary>
    private static bool ClosedByStaff(Alert alert, DateTimeOffset end) =>
        alert.History.Where(h => h.At < end && h.Action is AlertTransition.Resolved or AlertTransition.Cleared).OrderBy(h => h.At).LastOrDefault()?.Action == AlertTransition.Resolved;

    /// <summary>
    /// Whether, as of <paramref name="end"/>, the alert's condition cleared before anyone responded in its
    /// latest activation: the system cleared it unacknowledged, or it waits for staff with its condition
    /// cleared before an acknowledgement and no person has resolved it yet.
    /// </summary>
    public static bool ClearedUnattended(Alert alert, DateTimeOffset end)
    {
        bool responded = false, conditionCleared = false, clearedBySystem = false, resolvedByStaff = false;
        foreach (var step in alert.History.Where(h => h.At < end).OrderBy(h => h.At))
        {
            switch (step.Action)
            {
                case AlertTransition.Raised or AlertTransition.Reopened:
                    (responded, conditionCleared, clearedBySystem, resolvedByStaff) = (false, false, false, false);
                    break;
                case AlertTransition.Acknowledged when !conditionCleared:
                    responded = true;
                    break;
                case AlertTransition.ConditionCleared:
                    conditionCleared = true;
                    break;
                case AlertTransition.ConditionReturned:
                    conditionCleared = false;
                    break;
                case AlertTransition.Cleared:
                    clearedBySystem = true;
                    break;
                case AlertTransition.Resolved:
                    resolvedByStaff = true;
                    break;
            }
        }

        return !responded && (clearedBySystem || (conditionCleared && !resolvedByStaff));
    }

    /// <summary>Lighting figures for the period so far (<paramref name="period"/> ends now for an open period).</summary>
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
        var release = entrapments.Where(a => !ClearedUnattended(a, period.To)).Select(a => Closed(a, period.To) is { } c ? (c - a.RaisedAt).TotalMinutes : (double?)null).OfType<double>().ToList();
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

    /// <summary>Share of the period (so far) a device was not under any of the given alerts; all of an empty one.</summary>
    private static double Availability(IReadOnlyList<Alert> ofSite, string deviceId, ReportPeriod period, params AlertType[] types) =>
        period.Length <= TimeSpan.Zero ? 1 : 1 - (Covered(ofSite.Where(a => a.DeviceId == deviceId && types.Contains(a.Type)).SelectMany(a => ActiveIntervals(a, period.To)), period) / period.Length);

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
