using System.Globalization;
using Microsoft.Data.Sqlite;

namespace RedProperty.Iot.Hub.Storage;

/// <summary>A site's report for a month as it was computed and published; never changed afterwards.</summary>
public sealed record StoredMonthlyReport(string Site, string Month, DateTimeOffset ComputedAt, string Payload, string Sha256, DateTimeOffset? PublishedAt);

/// <summary>
/// Monthly report snapshots: insert-only (SQLite triggers refuse any change to a stored report and any
/// delete), with the time it was published kept beside it as an outbox marker; and since when the hub's
/// records go back.
/// </summary>
public sealed class MonthlyReportStore(HubDatabase database)
{
    // Unix milliseconds, 0 until read once (a long so that readers on other threads never see half of it).
    private long _recordsSinceMs;

    /// <summary>Stores a month's report unless one is already there. True when this call stored it.</summary>
    public Task<bool> StoreMonthlyReportAsync(string site, string month, DateTimeOffset computedAt, string payload, string sha256, CancellationToken cancellationToken = default) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var insert = connection.Command("""
                INSERT INTO monthly_reports (site, month, computed_at, payload, sha256) VALUES ($site, $month, $at, $payload, $sha)
                ON CONFLICT(site, month) DO NOTHING;
                """)
                .With("$site", site)
                .With("$month", month)
                .With("$at", computedAt.ToUnixTimeMilliseconds())
                .With("$payload", payload)
                .With("$sha", sha256);
            return await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        }, cancellationToken);

    /// <summary>Marks a stored report as published (the first time only).</summary>
    public Task MarkMonthlyReportPublishedAsync(string site, string month, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var update = connection.Command("UPDATE monthly_reports SET published_at = $at WHERE site = $site AND month = $month AND published_at IS NULL;")
                .With("$site", site)
                .With("$month", month)
                .With("$at", at.ToUnixTimeMilliseconds());
            await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Stored reports of these sites the uplink has not sent to the district yet, oldest month first.</summary>
    public async Task<IReadOnlyList<StoredMonthlyReport>> NotUplinkedAsync(IReadOnlyCollection<string> sites, CancellationToken cancellationToken = default)
    {
        var found = await ReadAsync($"WHERE uplinked_at IS NULL AND site IN ({SqliteCommands.InList(sites.Count)})", q => q.AddInList(sites), cancellationToken).ConfigureAwait(false);
        return [.. found.OrderBy(r => r.Month, StringComparer.Ordinal).ThenBy(r => r.Site, StringComparer.Ordinal)];
    }

    /// <summary>Marks a stored report as taken by the district broker (the first time only).</summary>
    public Task MarkUplinkedAsync(string site, string month, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var update = connection.Command("UPDATE monthly_reports SET uplinked_at = $at WHERE site = $site AND month = $month AND uplinked_at IS NULL;")
                .With("$site", site)
                .With("$month", month)
                .With("$at", at.ToUnixTimeMilliseconds());
            await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Stored reports, newest month first: of the given sites (all when null), optionally only those not yet published.</summary>
    public Task<IReadOnlyList<StoredMonthlyReport>> MonthlyReportsAsync(IReadOnlyCollection<string>? sites, bool unpublishedOnly = false, CancellationToken cancellationToken = default)
    {
        var where = new List<string>();
        if (sites is not null) where.Add($"site IN ({SqliteCommands.InList(sites.Count)})");
        if (unpublishedOnly) where.Add("published_at IS NULL");
        var clause = where.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", where);
        return ReadAsync(clause, q =>
        {
            if (sites is not null) q.AddInList(sites);
        }, cancellationToken);
    }

    public async Task<StoredMonthlyReport?> MonthlyReportAsync(string site, string month, CancellationToken cancellationToken = default)
    {
        var found = await ReadAsync("WHERE site = $site AND month = $month", q => q.With("$site", site).With("$month", month), cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>
    /// Since when this hub's records go back: set once, to its oldest alert or, for a new hub, to
    /// <paramref name="now"/>. A month that began earlier is reported as partial.
    /// </summary>
    public async Task<DateTimeOffset> RecordsSinceAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        // Set once and never moved: after the first call no report request writes to the database for it.
        if (Volatile.Read(ref _recordsSinceMs) is var known and not 0)
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(known);
        }

        var since = await database.RunAsync(async (connection, ct) =>
        {
            await using var insert = connection.Command("""
                INSERT INTO hub_facts (name, value) VALUES ('records_since', CAST(COALESCE((SELECT MIN(raised_at) FROM alerts), $now) AS TEXT))
                ON CONFLICT(name) DO NOTHING;
                SELECT value FROM hub_facts WHERE name = 'records_since';
                """)
                .With("$now", now.ToUnixTimeMilliseconds());
            return long.Parse((string)(await insert.ExecuteScalarAsync(ct).ConfigureAwait(false))!, CultureInfo.InvariantCulture);
        }, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _recordsSinceMs, since);
        return DateTimeOffset.FromUnixTimeMilliseconds(since);
    }

    private Task<IReadOnlyList<StoredMonthlyReport>> ReadAsync(string clause, Action<SqliteCommand> configure, CancellationToken cancellationToken) =>
        database.RunAsync<IReadOnlyList<StoredMonthlyReport>>(async (connection, ct) =>
        {
            await using var query = connection.Command($"SELECT site, month, computed_at, payload, sha256, published_at FROM monthly_reports {clause} ORDER BY month DESC, site;");
            configure(query);
            return await query.ListAsync(
                r => new StoredMonthlyReport(r.GetString(0), r.GetString(1), SqliteCommands.Time(r.GetInt64(2)), r.GetString(3), r.GetString(4), r.TimeOrNull(5)),
                ct).ConfigureAwait(false);
        }, cancellationToken);
}
