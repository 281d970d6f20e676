using System.Globalization;
using System.Security.Claims;
using CsvHelper;
using CsvHelper.Configuration;
using RedProperty.Iot.Domain.Reports;
using RedProperty.Iot.Hub.Reports;
using RedProperty.Iot.Hub.Sites;
using RedProperty.Iot.Hub.Staff;
using RedProperty.Iot.Hub.Storage;

namespace RedProperty.Iot.Hub.Api;

public sealed record StoredReportEntry(string Site, string Month, DateTimeOffset ComputedAt, DateTimeOffset? PublishedAt, string Sha256, string Topic);

/// <summary>One figure of a report as a CSV row (long format: one row per figure and key).</summary>
public sealed record ReportRow(string Site, string Zone, DateTimeOffset From, DateTimeOffset To, string Figure, string Key, double? Value);

/// <summary>Service-quality figures for supervisors: per site and period (JSON or CSV), and the month's ranking.</summary>
public static class ReportEndpoints
{
    private static readonly TimeSpan LongestPeriod = TimeSpan.FromDays(400);

    public static IEndpointRouteBuilder MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/reports").WithTags("Reports").RequireAuthorization(StaffAuthentication.SupervisorPolicy);

        group.MapGet("/service-quality", async (string? site, string? zone, DateTimeOffset? from, DateTimeOffset? to, string? month, string? format,
            ClaimsPrincipal user, DeviceRegistry registry, SiteOwnership ownership, SiteReports reports, TimeProvider time, CancellationToken ct) =>
        {
            if (Check(site, user, registry, ownership, out var found) is { } refused)
            {
                return refused;
            }

            if (zone is not null && !found.Zones.ContainsKey(zone))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["zone"] = [$"one of {string.Join(", ", found.Zones.Keys.Order(StringComparer.Ordinal))}"] });
            }

            if (!TryPeriod(found, from, to, month, time.GetUtcNow(), out var period, out var problem))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["period"] = [problem] });
            }

            var figures = await reports.FiguresAsync(found, period, ct, zone);
            return format == "csv" ? Csv([figures]) : Results.Ok(figures);
        }).WithSummary("A site's (or with zone= one zone's) service-quality figures for a period: from/to, or month=YYYY-MM, default the last full month in the site's time zone; a period that has not ended is figured up to now (asOf, ended=false; deadlines not yet due are pending); hasRecords=false before the hub's records; format=csv for a spreadsheet.");

        group.MapGet("/service-quality/zones", async (string? site, DateTimeOffset? from, DateTimeOffset? to, string? month, string? format,
            ClaimsPrincipal user, DeviceRegistry registry, SiteOwnership ownership, SiteReports reports, TimeProvider time, CancellationToken ct) =>
        {
            if (Check(site, user, registry, ownership, out var found) is { } refused)
            {
                return refused;
            }

            if (!TryPeriod(found, from, to, month, time.GetUtcNow(), out var period, out var problem))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["period"] = [problem] });
            }

            var zones = await reports.ZoneFiguresAsync(found, period, ct);
            return format == "csv" ? Csv(zones) : Results.Ok(zones);
        }).WithSummary("The figures of every zone of a site for a period (as service-quality), one entry per zone; format=csv for a spreadsheet.");

        group.MapGet("/ranking", async (string? month, ClaimsPrincipal user, DeviceRegistry registry, SiteOwnership ownership, SiteReports reports, TimeProvider time, CancellationToken ct) =>
        {
            // Only this instance's sites (the others' alerts are not in its store), and at a centre the edges' sites,
            // ranked by the monthly snapshots their edges published.
            var sites = registry.Sites.Where(s => user.CanSee(s.Id) && (ownership.Owns(s.Id) || ownership.IsEdgeSite(s.Id))).ToArray();
            if (sites.Length == 0)
            {
                return Results.Ok(new Ranking(month ?? string.Empty, false, null, [], [], [], true, null, []));
            }

            if (!TryPeriod(sites[0], null, null, month, time.GetUtcNow(), out var first, out var problem))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["month"] = [problem] });
            }

            // The month as a calendar month: each site is scored over it in its own time zone.
            return Results.Ok(await reports.RankAsync(sites, first.From.Year, first.From.Month, ct, ownership.IsEdgeSite));
        }).WithSummary("Every site of the account (that this instance serves) scored for a month (month=YYYY-MM, default the last full one), ranked, with the red (best) and black (worst) lists and the change since the month before; a month still running is ranked so far (ended=false, asOf); sites without records for the month are not ranked (noRecords).");

        group.MapGet("/monthly", async (string? site, ClaimsPrincipal user, DeviceRegistry registry, MonthlyReportStore store, CancellationToken ct) =>
        {
            if (site is not null && !registry.SitesById.ContainsKey(site))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["site"] = [$"one of {string.Join(", ", registry.Sites.Select(s => s.Id))}"] });
            }

            var sites = registry.Sites.Select(s => s.Id).Where(s => (site is null || s == site) && user.CanSee(s)).ToArray();
            var stored = await store.MonthlyReportsAsync(sites, cancellationToken: ct);
            return Results.Ok(stored.Select(r => new StoredReportEntry(r.Site, r.Month, r.ComputedAt, r.PublishedAt, r.Sha256, MonthlyReport.Topic(r.Site))));
        }).WithSummary("The monthly snapshots stored so far (newest first), with when each was published and its SHA-256.");

        group.MapGet("/monthly/{site}/{month}", async (string site, string month, ClaimsPrincipal user, MonthlyReportStore store, CancellationToken ct) =>
        {
            if (!user.CanSee(site))
            {
                return SiteAccess.NotYourSite(site);
            }

            // Exactly the bytes that were stored and published, so they can be checked against the SHA-256.
            return await store.MonthlyReportAsync(site, month, ct) is { } report
                ? Results.Text(report.Payload, "application/json; charset=utf-8")
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such report", detail: $"No monthly report of '{site}' for '{month}' is stored.");
        }).WithSummary("One stored monthly snapshot, as published on rp/{site}/report/monthly.");

        return app;
    }

    /// <summary>The site exists, the caller covers it and this instance has its alerts; else the refusal.</summary>
    private static IResult? Check(string? site, ClaimsPrincipal user, DeviceRegistry registry, SiteOwnership ownership, out Site found)
    {
        found = null!;
        if (site is null || !registry.SitesById.TryGetValue(site, out found!))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["site"] = [$"one of {string.Join(", ", registry.Sites.Select(s => s.Id))}"] });
        }

        if (!user.CanSee(site))
        {
            return SiteAccess.NotYourSite(site);
        }

        // Another instance's site: its alerts are in that instance's store, figures from here would look perfect and be wrong.
        return ownership.Owns(site)
            ? null
            : Results.Problem(statusCode: StatusCodes.Status421MisdirectedRequest, title: "Another instance's site",
                detail: ownership.IsEdgeSite(site)
                    ? $"Site '{site}' has its own edge hub (Centre:Edges); its figures are there, its monthly snapshots here (GET /api/reports/monthly)."
                    : $"Site '{site}' is served by another hub instance (Hub:Sites); ask that instance for its figures.");
    }

    private static bool TryPeriod(Site site, DateTimeOffset? from, DateTimeOffset? to, string? month, DateTimeOffset now, out ReportPeriod period, out string problem)
    {
        period = default!;
        problem = string.Empty;
        if (month is not null)
        {
            if (!DateTime.TryParseExact(month, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var m))
            {
                problem = $"month '{month}' must be YYYY-MM";
                return false;
            }

            period = ReportPeriod.Month(m.Year, m.Month, site.TimeZone);
            if (period.From > now)
            {
                problem = $"month '{month}' has not begun yet";
                return false;
            }

            return true;
        }

        if (from is null && to is null)
        {
            period = ReportPeriod.MonthBefore(now, site.TimeZone);
            return true;
        }

        if (from is null || to is null || to <= from || to - from > LongestPeriod || from > now)
        {
            problem = "from and to together, from before to and not in the future, at most 400 days apart (or month=YYYY-MM)";
            return false;
        }

        period = new ReportPeriod(from.Value, to.Value);
        return true;
    }

    private static IResult Csv(IEnumerable<SiteServiceQuality> reports)
    {
        var rows = new List<ReportRow>();
        foreach (var figures in reports)
        {
            AddRows(rows, figures);
        }

        return Results.Text(ReportCsvWriter.Write(rows), "text/csv; charset=utf-8");
    }

    private static void AddRows(List<ReportRow> rows, SiteServiceQuality figures)
    {
        // A period that has not ended is figured up to now: the rows say so in To (and period.ended = 0).
        var to = figures.AsOf ?? figures.Period.To;
        void Add(string figure, string key, double? value) => rows.Add(new ReportRow(figures.Site, figures.Zone ?? string.Empty, figures.Period.From, to, figure, key, value));
        Add("period.ended", string.Empty, figures.Ended ? 1 : 0);
        Add("period.hasRecords", string.Empty, figures.HasRecords ? 1 : 0);
        var a = figures.Alerts;
        Add("alerts.raised", string.Empty, a.Raised);
        foreach (var (type, count) in a.ByType) Add("alerts.byType", type, count);
        foreach (var (severity, count) in a.BySeverity) Add("alerts.bySeverity", severity, count);
        Add("alerts.meanMinutesToAcknowledge", string.Empty, a.MeanMinutesToAcknowledge);
        Add("alerts.p90MinutesToAcknowledge", string.Empty, a.P90MinutesToAcknowledge);
        Add("alerts.meanMinutesToResolve", string.Empty, a.MeanMinutesToResolve);
        Add("alerts.p90MinutesToResolve", string.Empty, a.P90MinutesToResolve);
        Add("alerts.shareAcknowledgedWithinSla", string.Empty, a.ShareAcknowledgedWithinSla);
        Add("alerts.shareCriticalOnSiteWithinSla", string.Empty, a.ShareCriticalOnSiteWithinSla);
        Add("alerts.meanMinutesToArrive", string.Empty, a.MeanMinutesToArrive);
        Add("alerts.p90MinutesToArrive", string.Empty, a.P90MinutesToArrive);
        if (a.ShareCriticalResolvedWithinSla is { } resolvedShare)
        {
            // Only in snapshots published before arrival was recorded.
            Add("alerts.shareCriticalResolvedWithinSla", string.Empty, resolvedShare);
        }

        Add("alerts.escalations", string.Empty, a.Escalations);
        Add("alerts.openAtEnd", string.Empty, a.OpenAtEnd);
        Add("alerts.pendingAcknowledgement", string.Empty, a.PendingAcknowledgement);
        Add("alerts.pendingOnSite", string.Empty, a.PendingOnSite);
        Add("alerts.clearedUnattended", string.Empty, a.ClearedUnattended);
        Add("lighting.outages", string.Empty, figures.Lighting.Outages);
        Add("lighting.lampDaysDark", string.Empty, figures.Lighting.LampDaysDark);
        Add("lighting.medianDaysToRepair", string.Empty, figures.Lighting.MedianDaysToRepair);
        foreach (var (car, minutes) in figures.Elevators.DowntimeMinutesPerCar) Add("elevators.downtimeMinutes", car, minutes);
        Add("elevators.entrapments", string.Empty, figures.Elevators.Entrapments);
        Add("elevators.meanMinutesToRelease", string.Empty, figures.Elevators.MeanMinutesToRelease);
        foreach (var (zone, count) in figures.Charging.FlyingWireIncidentsPerZone) Add("charging.flyingWireIncidents", zone, count);
        Add("charging.overheatEvents", string.Empty, figures.Charging.OverheatEvents);
        foreach (var (camera, share) in figures.Cameras.AvailabilityPerCamera) Add("cameras.availability", camera, share);
        Add("cameras.siteAvailability", string.Empty, figures.Cameras.SiteAvailability);
        foreach (var (kind, share) in figures.DeviceAvailabilityByKind) Add("devices.availability", kind, share);
        if (figures.Residents is not { } residents)
        {
            // Snapshots published before residents' reports were figured.
            return;
        }

        void AddGroup(string figure, string key, ResidentGroupFigures group)
        {
            Add($"{figure}.alerts", key, group.Alerts);
            Add($"{figure}.reports", key, group.Reports);
            Add($"{figure}.meanMinutesToAcknowledge", key, group.MeanMinutesToAcknowledge);
            Add($"{figure}.meanMinutesToArrive", key, group.MeanMinutesToArrive);
            Add($"{figure}.shareOnSiteWithinSla", key, group.ShareOnSiteWithinSla);
        }

        AddGroup("residents", string.Empty, residents.All);
        Add("residents.p90MinutesToAcknowledge", string.Empty, residents.P90MinutesToAcknowledge);
        Add("residents.p90MinutesToArrive", string.Empty, residents.P90MinutesToArrive);
        foreach (var (category, group) in residents.ByCategory) AddGroup("residents.byCategory", category, group);
        foreach (var (place, group) in residents.ByPlace) AddGroup("residents.byPlace", place, group.Figures);
        foreach (var place in residents.RepeatPlaces) Add("residents.repeatPlace.activations", place, residents.ByPlace[place].Activations);
    }
}

/// <summary>
/// Report rows as CSV for spreadsheets. Text cells (site, zone and device ids, keys) that begin with
/// <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, tab or CR would run as formulas in Excel or LibreOffice; CsvHelper's
/// injection escaping writes them with a leading <c>'</c> instead. Numbers and times are left as they are,
/// so a negative figure stays a number.
/// </summary>
public sealed class ReportCsvWriter : CsvWriter
{
    private static readonly CsvConfiguration Spreadsheet = new(CultureInfo.InvariantCulture) { InjectionOptions = InjectionOptions.Escape };
    private bool _textCell = true;

    private ReportCsvWriter(TextWriter writer)
        : base(writer, Spreadsheet)
    {
    }

    public static string Write(IEnumerable<ReportRow> rows)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = new ReportCsvWriter(text))
        {
            csv.WriteRecords(rows);
        }

        return text.ToString();
    }

    public override void WriteConvertedField(string? field, Type fieldType)
    {
        _textCell = fieldType == typeof(string);
        try
        {
            base.WriteConvertedField(field, fieldType);
        }
        finally
        {
            _textCell = true;
        }
    }

    protected override string? SanitizeForInjection(string? field) => _textCell ? base.SanitizeForInjection(field) : field;
}
