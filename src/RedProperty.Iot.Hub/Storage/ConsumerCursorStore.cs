using System.Globalization;
using Microsoft.Data.Sqlite;

namespace RedProperty.Iot.Hub.Storage;

/// <summary>How far a consumer of the ingest journal has finished: the sequence number of its last record.</summary>
public readonly record struct ConsumerCursor(string Consumer, long Position);

/// <summary>
/// Journal cursors kept in <c>hub.db</c>: saved in the caller's transaction, so a consumer whose work is
/// stored there (the alert pipeline) moves its cursor in the same commit as the changes its records caused.
/// </summary>
public sealed class ConsumerCursorStore(HubDatabase database)
{
    public async Task SaveAsync(SqliteTransaction transaction, ConsumerCursor cursor, CancellationToken cancellationToken)
    {
        await using var upsert = transaction.Command("INSERT INTO consumer_cursors (consumer, position) VALUES ($consumer, $position) ON CONFLICT(consumer) DO UPDATE SET position = $position;")
            .With("$consumer", cursor.Consumer)
            .With("$position", cursor.Position);
        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Saves a cursor in a transaction of its own (a consumer whose work is stored elsewhere).</summary>
    public Task SaveAsync(ConsumerCursor cursor, CancellationToken cancellationToken) =>
        database.InTransactionAsync((transaction, ct) => SaveAsync(transaction, cursor, ct), cancellationToken);

    /// <summary>The consumer's stored position, or null when it has none yet.</summary>
    public Task<long?> LoadAsync(string consumer, CancellationToken cancellationToken = default) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var query = connection.Command("SELECT position FROM consumer_cursors WHERE consumer = $consumer;").With("$consumer", consumer);
            var value = await query.ExecuteScalarAsync(ct).ConfigureAwait(false);
            return value is null or DBNull ? (long?)null : Convert.ToInt64(value, CultureInfo.InvariantCulture);
        }, cancellationToken);
}
