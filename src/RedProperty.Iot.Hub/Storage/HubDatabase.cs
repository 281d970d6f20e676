using System.Globalization;
using Microsoft.Data.Sqlite;

namespace RedProperty.Iot.Hub.Storage;

/// <summary>
/// The hub's SQLite file (<c>{Hub:DataDir}/hub.db</c>): alerts, their audit trail, the change log, when
/// devices were last seen, staff accounts, monthly reports. Opened and migrated once at start. The stores
/// (<see cref="AlertStore"/>, <see cref="ChangeLogStore"/>, <see cref="DeviceSeenStore"/>,
/// <see cref="MonthlyReportStore"/>) share one connection, one piece of work at a time
/// (<see cref="RunAsync{T}(Func{SqliteConnection, CancellationToken, Task{T}}, CancellationToken)"/>), so
/// writes are serialised and change numbers follow commit order; WAL with synchronous FULL, so a commit is on
/// disk before anyone is told. Staff accounts take connections of their own (<see cref="OpenConnectionAsync"/>).
/// </summary>
public sealed partial class HubDatabase : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly AsyncGate _gate = new();

    private HubDatabase(string path, SqliteConnection connection)
    {
        Path = path;
        _connection = connection;
    }

    public string Path { get; }

    /// <summary>
    /// Opens the file (creating its folder) and brings its schema to the newest version; throws when the
    /// file is from a newer hub. Synchronous on purpose: Microsoft.Data.Sqlite's asynchronous methods run
    /// synchronously anyway (SQLite has no asynchronous I/O), so the hub opens it in the singleton's factory,
    /// before any service starts, and a bad database stops the hub's start with its message, with nothing
    /// waiting on a task.
    /// </summary>
    public static HubDatabase Open(string path, ILogger logger)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
            Migrate(connection, path, logger);
            return new HubDatabase(path, connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> on the shared connection once no other work is running on it.</summary>
    public Task<T> RunAsync<T>(Func<SqliteConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        _gate.RunAsync(ct => work(_connection, ct), cancellationToken);

    public Task RunAsync(Func<SqliteConnection, CancellationToken, Task> work, CancellationToken cancellationToken) =>
        _gate.RunAsync(ct => work(_connection, ct), cancellationToken);

    /// <summary>As <see cref="RunAsync{T}(Func{SqliteConnection, CancellationToken, Task{T}}, CancellationToken)"/>, in one transaction, committed when the work returns.</summary>
    public Task<T> InTransactionAsync<T>(Func<SqliteTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        _gate.RunAsync(async ct =>
        {
            await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            var result = await work(transaction, ct).ConfigureAwait(false);
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return result;
        }, cancellationToken);

    public Task InTransactionAsync(Func<SqliteTransaction, CancellationToken, Task> work, CancellationToken cancellationToken) =>
        InTransactionAsync(async (transaction, ct) =>
        {
            await work(transaction, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>
    /// A connection of the caller's own (to dispose), outside the gate: staff logins and account changes do
    /// not queue behind alert writes; SQLite's own locking orders their writes (waiting up to 30 s).
    /// </summary>
    public async Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, DefaultTimeout = 30 }.ToString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private static void Migrate(SqliteConnection connection, string path, ILogger logger)
    {
        using var read = connection.Command("PRAGMA user_version;");
        var version = Convert.ToInt32(read.ExecuteScalar(), CultureInfo.InvariantCulture);
        if (version > Migrations.Length)
        {
            throw new InvalidOperationException($"{path} has schema version {version}, newer than this hub knows ({Migrations.Length}); upgrade the hub");
        }

        for (var next = version; next < Migrations.Length; next++)
        {
            using var transaction = connection.BeginTransaction();
            Execute(connection, Migrations[next], transaction);
            Execute(connection, $"PRAGMA user_version = {next + 1};", transaction);
            transaction.Commit();
            LogMigrated(logger, path, next + 1);
        }
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.Command(sql, transaction);
        command.ExecuteNonQuery();
    }
}
