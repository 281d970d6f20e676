using System.Globalization;
using Microsoft.Data.Sqlite;

namespace RedProperty.Iot.Hub.Alerts.Storage;

/// <summary>A site's report for a month as it was computed and published; never changed afterwards.</summary>
public sealed record StoredMonthlyReport(string Site, string Month, DateTimeOffset ComputedAt, string Payload, string Sha256, DateTimeOffset? PublishedAt);

/// <summary>
/// Monthly report snapshots: insert-only (SQLite triggers refuse any change to a stored report and any
/// delete), with the time it was published kept beside it as an outbox marker.
/// </summary>
public sealed partial class SqliteAlertStore
{
    // Unix milliseconds, 0 until read once (a long so that readers on other threads never see half of it).
    private long _recordsSinceMs;

    /// <summary>Stores a month's report unless one is already there. True when this call stored it.</summary>
    public async Task<bool> StoreMonthlyReportAsync(string site, string month, DateTimeOffset computedAt, string payload, string sha256, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var insert = Command(null, """
                INSERT INTO monthly_reports (site, month, computed_at, payload, sha256) VALUES ($site, $month, $at, $payload, $sha)
                ON CONFLICT(site, month) DO NOTHING;
                """);
            insert.Parameters.AddWithValue("$site", site);
            insert.Parameters.AddWithValue("$month", month);
            insert.Parameters.AddWithValue("$at", computedAt.ToUnixTimeMilliseconds());
            insert.Parameters.AddWithValue("$payload", payload);
            insert.Parameters.AddWithValue("$sha", sha256);
            return await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Marks a stored report as published (the first time only).</summary>
    public async Task MarkMonthlyReportPublishedAsync(string site, string month, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var update = Command(null, "UPDATE monthly_reports SET published_at = $at WHERE site = $site AND month = $month AND published_at IS NULL;");
            update.Parameters.AddWithValue("$site", site);
            update.Parameters.AddWithValue("$month", month);
            update.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stored reports, newest month first: of the given sites (all when null), optionally only those not yet published.</summary>
    public Task<IReadOnlyList<StoredMonthlyReport>> MonthlyReportsAsync(IReadOnlyCollection<string>? sites, bool unpublishedOnly = false, CancellationToken cancellationToken = default)
    {
        var where = new List<string>();
        if (sites is not null) where.Add($"site IN ({InList(sites.Count)})");
        if (unpublishedOnly) where.Add("published_at IS NULL");
        var clause = where.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", where);
        return ReadMonthlyReportsAsync(clause, q =>
        {
            if (sites is not null) AddInList(q, sites);
        }, cancellationToken);
    }

    public async Task<StoredMonthlyReport?> MonthlyReportAsync(string site, string month, CancellationToken cancellationToken = default)
    {
        var found = await ReadMonthlyReportsAsync("WHERE site = $site AND month = $month", q =>
        {
            q.Parameters.AddWithValue("$site", site);
            q.Parameters.AddWithValue("$month", month);
        }, cancellationToken).ConfigureAwait(false);
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

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var insert = Command(null, """
                INSERT INTO hub_facts (name, value) VALUES ('records_since', CAST(COALESCE((SELECT MIN(raised_at) FROM alerts), $now) AS TEXT))
                ON CONFLICT(name) DO NOTHING;
                SELECT value FROM hub_facts WHERE name = 'records_since';
                """);
            insert.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            var value = (string)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            var since = long.Parse(value, CultureInfo.InvariantCulture);
            Volatile.Write(ref _recordsSinceMs, since);
            return DateTimeOffset.FromUnixTimeMilliseconds(since);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IReadOnlyList<StoredMonthlyReport>> ReadMonthlyReportsAsync(string clause, Action<SqliteCommand> configure, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var query = Command(null, $"SELECT site, month, computed_at, payload, sha256, published_at FROM monthly_reports {clause} ORDER BY month DESC, site;");
            configure(query);
            var reports = new List<StoredMonthlyReport>();
            await using var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                reports.Add(new StoredMonthlyReport(
                    reader.GetString(0), reader.GetString(1), Time(reader.GetInt64(2)), reader.GetString(3), reader.GetString(4),
                    reader.IsDBNull(5) ? null : Time(reader.GetInt64(5))));
            }

            return reports;
        }
        finally
        {
            _gate.Release();
        }
    }
}
