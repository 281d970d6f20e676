using Microsoft.Extensions.Options;
using RedProperty.Iot.Domain.Reports;
using RedProperty.Iot.Hub.Sites;
using RedProperty.Iot.Hub.Storage;

namespace RedProperty.Iot.Hub.Reports;

/// <summary>
/// Closes each month: shortly after midnight on the 1st in a site's time zone it computes the site's
/// previous month, stores it (once, never changed) and publishes it retained on
/// <c>rp/{site}/report/monthly</c>. The store is the outbox: a report is marked published only after
/// the broker took it, and one not yet published is offered again until it is.
/// </summary>
public sealed partial class MonthlyReportService(
    DeviceRegistry registry,
    SiteOwnership ownership,
    SiteReports reports,
    MonthlyReportStore store,
    IReportPublisher publisher,
    IOptions<ReportOptions> options,
    TimeProvider time,
    ILogger<MonthlyReportService> logger) : BackgroundService
{
    /// <summary>How many months back a hub catches up on months it never closed.</summary>
    private const int LongestCatchUp = 24;

    private static readonly TimeSpan LongestWait = TimeSpan.FromHours(1);

    private readonly HashSet<(string Site, string Month)> _closed = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.MonthlySnapshot;
        if (!settings.Enabled)
        {
            LogDisabled(logger);
            return;
        }

        try
        {
            var recordsSince = await store.RecordsSinceAsync(time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
            {
                var now = time.GetUtcNow();
                var wake = now + LongestWait;
                var retry = false;
                foreach (var site in registry.Sites.Where(s => ownership.Owns(s.Id)))
                {
                    try
                    {
                        await CloseMonthsAsync(site, now, recordsSince, settings.Delay, stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        LogCloseFailed(logger, ex, site.Id);
                        retry = true;
                    }

                    var next = NextClose(site, now, settings.Delay);
                    wake = next < wake ? next : wake;
                }

                if (retry || !await PublishPendingAsync(stoppingToken).ConfigureAwait(false))
                {
                    var again = now + settings.RetryEvery;
                    wake = again < wake ? again : wake;
                }

                await Task.Delay(wake - now, time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The last month of the site that has closed by <paramref name="now"/> (its end plus the delay).</summary>
    public static ReportPeriod LastClosedMonth(Site site, DateTimeOffset now, TimeSpan delay) => ReportPeriod.MonthBefore(now - delay, site.TimeZone);

    private static DateTimeOffset NextClose(Site site, DateTimeOffset now, TimeSpan delay)
    {
        var local = TimeZoneInfo.ConvertTime(now - delay, site.TimeZone);
        return ReportPeriod.Month(local.Year, local.Month, site.TimeZone).To + delay;
    }

    /// <summary>
    /// Closes every month of the site since the hub's records began (at most <see cref="LongestCatchUp"/>
    /// back) that is not closed yet: normally just the last one; after the hub was down over a 1st, all it missed.
    /// </summary>
    private async Task CloseMonthsAsync(Site site, DateTimeOffset now, DateTimeOffset recordsSince, TimeSpan delay, CancellationToken cancellationToken)
    {
        var last = LastClosedMonth(site, now, delay);
        var first = TimeZoneInfo.ConvertTime(recordsSince, site.TimeZone);
        var month = new DateTime(first.Year, first.Month, 1);
        var lastMonth = new DateTime(last.From.Year, last.From.Month, 1);
        if (month < lastMonth.AddMonths(-LongestCatchUp))
        {
            month = lastMonth.AddMonths(-LongestCatchUp);
        }

        for (; month <= lastMonth; month = month.AddMonths(1))
        {
            await CloseMonthAsync(site, ReportPeriod.Month(month.Year, month.Month, site.TimeZone), now, recordsSince, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CloseMonthAsync(Site site, ReportPeriod period, DateTimeOffset now, DateTimeOffset recordsSince, CancellationToken cancellationToken)
    {
        var month = MonthlyReport.MonthOf(period);
        if (_closed.Contains((site.Id, month)))
        {
            return;
        }

        if (period.To <= recordsSince)
        {
            // The hub was not running in that month: nothing it could say about it.
            _closed.Add((site.Id, month));
            LogBeforeRecords(logger, site.Id, month, recordsSince);
            return;
        }

        if (await store.MonthlyReportAsync(site.Id, month, cancellationToken).ConfigureAwait(false) is not null)
        {
            _closed.Add((site.Id, month));
            return;
        }

        var figures = await reports.FiguresAsync(site, period, cancellationToken).ConfigureAwait(false);
        if (!figures.Ended)
        {
            // Only a month that has ended is ever stored (LastClosedMonth guarantees it; a clock set back must not change that).
            return;
        }

        if (reports.Score(site, figures) is not { } score)
        {
            // A site without devices: nothing to report, and a perfect score would be a lie.
            _closed.Add((site.Id, month));
            LogNoRecords(logger, site.Id, month);
            return;
        }

        var report = new MonthlyReport(
            MonthlyReport.SchemaName, site.Id, site.Name, site.TimeZone.Id, month, period.From, period.To, now, recordsSince,
            recordsSince <= period.From, score.Score, score.Parts, reports.Weights, figures);
        var payload = report.ToJson();
        if (await store.StoreMonthlyReportAsync(site.Id, month, now, payload, MonthlyReport.Sha256Of(payload), cancellationToken).ConfigureAwait(false))
        {
            LogStored(logger, site.Id, month, score.Score, report.Complete);
        }

        _closed.Add((site.Id, month));
    }

    /// <summary>Offers every stored, unpublished report of the owned sites to the broker. False when one is still waiting.</summary>
    private async Task<bool> PublishPendingAsync(CancellationToken cancellationToken)
    {
        var allDone = true;
        try
        {
            // Oldest first, so the retained message ends up being the newest month.
            foreach (var report in (await store.MonthlyReportsAsync(ownership.Owned, unpublishedOnly: true, cancellationToken).ConfigureAwait(false)).Reverse())
            {
                if (!await publisher.TryPublishAsync(MonthlyReport.MessageOf(report), cancellationToken).ConfigureAwait(false))
                {
                    LogPublishWaiting(logger, report.Site, report.Month);
                    allDone = false;
                    continue;
                }

                await store.MarkMonthlyReportPublishedAsync(report.Site, report.Month, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                LogPublished(logger, report.Site, report.Month, MonthlyReport.Topic(report.Site));
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPublishFailed(logger, ex.Message);
            allDone = false;
        }

        return allDone;
    }
}
