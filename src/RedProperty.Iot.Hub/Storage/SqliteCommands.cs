using Microsoft.Data.Sqlite;

namespace RedProperty.Iot.Hub.Storage;

/// <summary>What every store writes the same way: commands, <c>IN (…)</c> lists, times as Unix milliseconds, NULLs.</summary>
internal static class SqliteCommands
{
    public static SqliteCommand Command(this SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    public static SqliteCommand Command(this SqliteTransaction transaction, string sql) => transaction.Connection!.Command(sql, transaction);

    /// <summary>Adds a parameter; null is stored as NULL.</summary>
    public static SqliteCommand With(this SqliteCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    /// <summary>Reads every row of the command's result.</summary>
    public static async Task<List<T>> ListAsync<T>(this SqliteCommand command, Func<SqliteDataReader, T> read, CancellationToken cancellationToken)
    {
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    /// <summary>The parameters <c>$s0, $s1, …</c> for <see cref="AddInList"/>; <c>NULL</c> (matching nothing) for none.</summary>
    public static string InList(int count) => count == 0 ? "NULL" : string.Join(", ", Enumerable.Range(0, count).Select(i => $"$s{i}"));

    public static void AddInList(this SqliteCommand command, IReadOnlyCollection<string> values)
    {
        var i = 0;
        foreach (var value in values)
        {
            command.Parameters.AddWithValue($"$s{i++}", value);
        }
    }

    public static DateTimeOffset Time(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs);

    public static DateTimeOffset? TimeOrNull(this SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Time(reader.GetInt64(ordinal));

    public static string? StringOrNull(this SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
