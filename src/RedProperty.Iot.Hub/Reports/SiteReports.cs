using System.Globalization;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Domain.Reports;
using RedProperty.Iot.Hub.Storage;

namespace RedProperty.Iot.Hub.Reports;

public sealed record RankedSite(int Rank, string Site, string Name, double Score, double? PreviousScore, double? Trend, IReadOnlyDictionary<string, double> Parts);

/// <summary>A property company's score for a month: the mean of its ranked compounds' scores.</summary>
public sealed record RankedCompany(int Rank, string Company, double Score, IReadOnlyList<string> Sites);

/// <summary>A site left out of a month's ranking: it has no records for the month (before the hub's records, or no devices).</summary>
public sealed record UnrankedSite(string Site, string Name);

/// <summary>
/// A month's ranking; <see cref="Covered"/> is false when the month ended before the hub's records begin (its
/// scores mean nothing). While the month runs (<see cref="Ended"/> false) the scores are so far, as of <see cref="AsOf"/>.
/// Sites without records are not ranked but listed in <see cref="NoRecords"/>.
/// </summary>
public sealed record Ranking(
    string Month, bool Covered, DateTimeOffset? RecordsSince, IReadOnlyList<RankedSite> Sites, IReadOnlyList<RankedSite> RedList, IReadOnlyList<RankedSite> BlackList,
    bool Ended, DateTimeOffset? AsOf, IReadOnlyList<UnrankedSite> NoRecords, IReadOnlyList<RankedCompany>? Companies = null);

/// <summary>A site's figures and score for a period, and the ranking of sites for a month, from the alert store.</summary>
public sealed class SiteReports(AlertStore alerts, MonthlyReportStore reports, EscalationPolicy policy, IOptions<ReportOptions> options, TimeProvider time)
{
    public ScoreWeights Weights => options.Value.Weights.ToWeights();

    /// <summary>A site's (or zone's) figures for the period, as of now on the hub's clock if the period has not ended.</summary>
    public async Task<SiteServiceQuality> FiguresAsync(Site site, ReportPeriod period, CancellationToken cancellationToken, string? zone = null)
    {
        var now = time.GetUtcNow();
        var recordsSince = await reports.RecordsSinceAsync(now, cancellationToken).ConfigureAwait(false);
        var found = await alerts.ForPeriodAsync(site.Id, period.From, period.To, cancellationToken).ConfigureAwait(false);
        return ServiceQuality.Compute(site, found.Select(a => a.Alert), period, policy, now, zone, recordsSince);
    }

    /// <summary>The figures of every zone of the site for the period (the site's alerts read once).</summary>
    public async Task<IReadOnlyList<SiteServiceQuality>> ZoneFiguresAsync(Site site, ReportPeriod period, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var recordsSince = await reports.RecordsSinceAsync(now, cancellationToken).ConfigureAwait(false);
        var found = (await alerts.ForPeriodAsync(site.Id, period.From, period.To, cancellationToken).ConfigureAwait(false)).Select(a => a.Alert).ToArray();
        return site.Zones.Keys.Order(StringComparer.Ordinal).Select(zone => ServiceQuality.Compute(site, found, period, policy, now, zone, recordsSince)).ToArray();
    }

    /// <summary>The score of the figures; none for figures without records (they would score as perfect).</summary>
    public SiteScore? Score(Site site, SiteServiceQuality figures) => figures.HasRecords ? ServiceScore.Compute(figures, site.Devices.Count, Weights) : null;

    /// <summary>
    /// A site's score for a calendar month: the published one once the month is closed (the official
    /// figure, whatever the weights are now), else computed from the store.
    /// </summary>
    /// <param name="snapshotOnly">Only a stored snapshot counts (a centre's edge site: its alerts are not here).</param>
    public async Task<SiteScore?> MonthScoreAsync(Site site, ReportPeriod period, CancellationToken cancellationToken, bool snapshotOnly = false)
    {
        if (await reports.MonthlyReportAsync(site.Id, MonthlyReport.MonthOf(period), cancellationToken).ConfigureAwait(false) is { } stored
            && MonthlyReport.TryRead(stored.Payload) is { } report)
        {
            return new SiteScore(site.Id, report.Score, report.ScoreParts);
        }

        return snapshotOnly ? null : Score(site, await FiguresAsync(site, period, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Every given site scored for the calendar month (each in its own time zone), ranked, with the month before for the trend.</summary>
    /// <param name="snapshotOnly">Sites scored only by a stored snapshot (a centre's edge sites).</param>
    public async Task<Ranking> RankAsync(IReadOnlyList<Site> sites, int year, int month, CancellationToken cancellationToken, Func<string, bool>? snapshotOnly = null)
    {
        var label = string.Create(CultureInfo.InvariantCulture, $"{year:D4}-{month:D2}");
        var before = new DateTime(year, month, 1).AddMonths(-1);
        var now = time.GetUtcNow();
        var recordsSince = await reports.RecordsSinceAsync(now, cancellationToken).ConfigureAwait(false);
        var covered = false;
        var ended = true;
        var scored = new List<(Site Site, SiteScore Score, double? Previous)>();
        var noRecords = new List<UnrankedSite>();
        foreach (var site in sites)
        {
            var period = ReportPeriod.Month(year, month, site.TimeZone);
            var previousPeriod = ReportPeriod.Month(before.Year, before.Month, site.TimeZone);
            covered |= period.To > recordsSince;
            ended &= now >= period.To;

            // A month without records would score as perfect: not ranked, and no trend against it.
            var onlySnapshot = snapshotOnly?.Invoke(site.Id) ?? false;
            if (await MonthScoreAsync(site, period, cancellationToken, onlySnapshot).ConfigureAwait(false) is not { } score)
            {
                noRecords.Add(new UnrankedSite(site.Id, site.Name));
                continue;
            }

            double? previous = previousPeriod.To > recordsSince
                ? (await MonthScoreAsync(site, previousPeriod, cancellationToken, onlySnapshot).ConfigureAwait(false))?.Score
                : null;
            scored.Add((site, score, previous));
        }

        var ranked = scored.OrderByDescending(s => s.Score.Score).ThenBy(s => s.Site.Id, StringComparer.Ordinal)
            .Select((s, i) => new RankedSite(i + 1, s.Site.Id, s.Site.Name, s.Score.Score, s.Previous, s.Previous is { } p ? Math.Round(s.Score.Score - p, 1) : null, s.Score.Parts))
            .ToArray();

        // A company's score is the plain mean of its ranked compounds' (each compound counts once, whatever its size).
        var companies = scored.Where(s => s.Site.Company is not null).GroupBy(s => s.Site.Company!, StringComparer.Ordinal)
            .Select(g => (Company: g.Key, Score: Math.Round(g.Average(s => s.Score.Score), 1), Sites: g.Select(s => s.Site.Id).Order(StringComparer.Ordinal).ToArray()))
            .OrderByDescending(c => c.Score).ThenBy(c => c.Company, StringComparer.Ordinal)
            .Select((c, i) => new RankedCompany(i + 1, c.Company, c.Score, c.Sites))
            .ToArray();

        // A site is never on both lists: each list takes at most half of the sites.
        var size = Math.Min(options.Value.ListSize, ranked.Length / 2);
        return new Ranking(label, covered, recordsSince, ranked, ranked.Take(size).ToArray(), ranked.Reverse().Take(size).ToArray(), ended, ended ? null : now, noRecords, companies);
    }
}
