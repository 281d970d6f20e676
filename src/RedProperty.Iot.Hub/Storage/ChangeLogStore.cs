using System.Globalization;
using Microsoft.Data.Sqlite;

namespace RedProperty.Iot.Hub.Storage;

/// <summary>One entry of the change log as stored: its number, site, event (the desk's method) and payload (JSON).</summary>
public sealed record StoredChange(long Seq, string Site, string Event, string Payload);

/// <summary>
/// The change log desks catch up from by sequence number: appended in the transaction of what changed (an
/// alert, see <see cref="AlertStore.SaveAsync"/>), read back in order, pruned by age. The payload is the
/// caller's: it carries the change's own number, so a change is numbered (<see cref="NextSeqAsync"/>) before
/// it is made and appended.
/// </summary>
public sealed class ChangeLogStore(HubDatabase database)
{
    /// <summary>The number the next change appended in this transaction gets (as AUTOINCREMENT would give it).</summary>
    public async Task<long> NextSeqAsync(SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        await using var query = transaction.Command("""
            SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0), COALESCE((SELECT MAX(seq) FROM changes), 0)) + 1;
            """);
        return Convert.ToInt64(await query.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    public async Task AppendAsync(SqliteTransaction transaction, StoredChange change, CancellationToken cancellationToken)
    {
        await using var insert = transaction.Command("INSERT INTO changes (seq, site, event, payload, at) VALUES ($seq, $site, $event, $payload, $at);")
            .With("$seq", change.Seq)
            .With("$site", change.Site)
            .With("$event", change.Event)
            .With("$payload", change.Payload)
            .With("$at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether every change after <paramref name="seq"/> is still in the change log: false when older ones
    /// were pruned, or when the number is from the future (a client that saw a hub whose data was since reset).
    /// </summary>
    public Task<bool> CanCatchUpFromAsync(long seq, CancellationToken cancellationToken = default) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var query = connection.Command("SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0), (SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'changes') FROM changes;");
            await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            var (oldest, newest, issued) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
            var last = Math.Max(newest, issued);
            return seq <= last && (oldest == 0 ? seq == last : seq >= oldest - 1);
        }, cancellationToken);

    /// <summary>Up to <paramref name="limit"/> changes of these sites after <paramref name="seq"/>, in order.</summary>
    public Task<IReadOnlyList<StoredChange>> ChangesSinceAsync(long seq, IReadOnlyCollection<string> sites, int limit, CancellationToken cancellationToken = default) =>
        database.RunAsync<IReadOnlyList<StoredChange>>(async (connection, ct) =>
        {
            await using var query = connection.Command($"SELECT seq, site, event, payload FROM changes WHERE seq > $seq AND site IN ({SqliteCommands.InList(sites.Count)}) ORDER BY seq LIMIT $limit;")
                .With("$seq", seq)
                .With("$limit", limit);
            query.AddInList(sites);
            return await query.ListAsync(r => new StoredChange(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3)), ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>The oldest change still kept (0: none).</summary>
    public Task<long> OldestSeqAsync(CancellationToken cancellationToken = default) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var query = connection.Command("SELECT COALESCE(MIN(seq), 0) FROM changes;");
            return Convert.ToInt64(await query.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }, cancellationToken);

    public Task<long> LastSeqAsync(CancellationToken cancellationToken = default) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var query = connection.Command("SELECT COALESCE(MAX(seq), 0) FROM changes;");
            return Convert.ToInt64(await query.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }, cancellationToken);

    /// <summary>
    /// Drops change-log entries older than <paramref name="before"/>, keeping at least the newest
    /// <paramref name="keepAtLeast"/> (the alerts and audit trail are never pruned), and, with <paramref name="unsent"/>,
    /// every entry after <c>After</c> (not yet taken by a consumer such as the uplink) unless it is older than the
    /// newest <c>AtMost</c>. Returns how many went.
    /// </summary>
    public Task<int> PruneChangesAsync(DateTimeOffset before, int keepAtLeast, CancellationToken cancellationToken = default, (long After, long AtMost)? unsent = null) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var delete = connection.Command("""
                DELETE FROM changes WHERE at < $before AND seq <= (SELECT COALESCE(MAX(seq), 0) FROM changes) - $keep
                    AND (seq <= $after OR seq <= (SELECT COALESCE(MAX(seq), 0) FROM changes) - $atMost);
                """)
                .With("$before", before.ToUnixTimeMilliseconds())
                .With("$keep", keepAtLeast)
                .With("$after", unsent?.After ?? long.MaxValue)
                .With("$atMost", unsent?.AtMost ?? 0);
            return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);
}
