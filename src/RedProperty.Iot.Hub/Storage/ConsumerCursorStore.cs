using System.Globalization;
using Microsoft.Data.Sqlite;

namespace RedProperty.Iot.Hub.Storage;

/// <summary>How far a consumer of the ingest journal has finished: the sequence number of its last record.</summary>
/// <param name="Marks">
/// Per device user name, the last seq the consumer judged since its previous save (the alert pipeline's guard
/// against a redelivery judged twice, which must survive a crash with the position it belongs to).
/// </param>
public readonly record struct ConsumerCursor(string Consumer, long Position, IReadOnlyCollection<KeyValuePair<string, long>>? Marks = null);

/// <summary>
/// Journal cursors kept in <c>hub.db</c>: saved in the caller's transaction, so a consumer whose work is
/// stored there (the alert pipeline) moves its cursor in the same commit as the changes its records caused.
/// </summary>
public sealed class ConsumerCursorStore(HubDatabase database)
{
    private const int MarksPerStatement = 200;

    private static readonly string[] MarkDevices = Enumerable.Range(0, MarksPerStatement).Select(i => string.Create(CultureInfo.InvariantCulture, $"$d{i}")).ToArray();
    private static readonly string[] MarkSeqs = Enumerable.Range(0, MarksPerStatement).Select(i => string.Create(CultureInfo.InvariantCulture, $"$s{i}")).ToArray();
    private static readonly string?[] MarkStatements = new string?[MarksPerStatement + 1];

    public async Task SaveAsync(SqliteTransaction transaction, ConsumerCursor cursor, CancellationToken cancellationToken)
    {
        await using var upsert = transaction.Command("INSERT INTO consumer_cursors (consumer, position) VALUES ($consumer, $position) ON CONFLICT(consumer) DO UPDATE SET position = $position;")
            .With("$consumer", cursor.Consumer)
            .With("$position", cursor.Position);
        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        if (cursor.Marks is { Count: > 0 } marks)
        {
            foreach (var chunk in marks.Chunk(MarksPerStatement))
            {
                await SaveMarksAsync(transaction, cursor.Consumer, chunk, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The consumer's marks (see <see cref="ConsumerCursor.Marks"/>): every device's last judged seq.</summary>
    public Task<Dictionary<string, long>> LoadMarksAsync(string consumer, CancellationToken cancellationToken = default) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var query = connection.Command("SELECT device, seq FROM consumer_marks WHERE consumer = $consumer;").With("$consumer", consumer);
            var marks = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (device, seq) in await query.ListAsync(r => (r.GetString(0), r.GetInt64(1)), ct).ConfigureAwait(false))
            {
                marks[device] = seq;
            }

            return marks;
        }, cancellationToken);

    // One statement for many rows: a busy pipeline saves a mark per device it judged, at every save. The
    // statement text of each row count and the parameter names are made once, not at every save.
    private static async Task SaveMarksAsync(SqliteTransaction transaction, string consumer, KeyValuePair<string, long>[] marks, CancellationToken cancellationToken)
    {
        var sql = MarkStatements[marks.Length] ??= string.Concat(
            "INSERT INTO consumer_marks (consumer, device, seq) VALUES ",
            string.Join(", ", Enumerable.Range(0, marks.Length).Select(i => $"($consumer, {MarkDevices[i]}, {MarkSeqs[i]})")),
            " ON CONFLICT(consumer, device) DO UPDATE SET seq = excluded.seq;");
        await using var upsert = transaction.Command(sql).With("$consumer", consumer);
        for (var i = 0; i < marks.Length; i++)
        {
            upsert.With(MarkDevices[i], marks[i].Key).With(MarkSeqs[i], marks[i].Value);
        }

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
