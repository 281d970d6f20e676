using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using RedProperty.Iot.Alerts;
using RedProperty.Iot.Contract;

namespace RedProperty.Iot.Hub.Alerts.Storage;

/// <summary>One entry of the change log: what clients were (or will be) told, in order.</summary>
public sealed record ChangeRecord(long Seq, string Site, string Event, string Payload)
{
    /// <summary>The view the payload was rendered from, when the change comes live rather than from the store.</summary>
    public object? View { get; init; }
}

/// <summary>Filters for the alert list.</summary>
public sealed record AlertQuery(
    IReadOnlyCollection<string>? Sites = null,
    AlertState? State = null,
    bool OpenOnly = false,
    string? Zone = null,
    AlertType? Type = null,
    AlertSeverity? Severity = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    int Offset = 0,
    int Limit = 100);

/// <summary>
/// Alerts, their audit trail and the change log in SQLite under the data directory. Every save is
/// one transaction (WAL, synchronous FULL) that also appends to the change log, so an alert is on
/// disk before anyone is told and clients can catch up by sequence number. Writes are serialised.
/// </summary>
public sealed partial class SqliteAlertStore : IAsyncDisposable
{
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE alerts (
            id TEXT PRIMARY KEY,
            site TEXT NOT NULL, device TEXT NOT NULL, type TEXT NOT NULL, zone TEXT NOT NULL, kind TEXT NOT NULL,
            severity TEXT NOT NULL, state TEXT NOT NULL, message TEXT NOT NULL,
            raised_at INTEGER NOT NULL, active_since INTEGER NOT NULL, last_seen_at INTEGER NOT NULL, count INTEGER NOT NULL,
            acknowledged_by TEXT, acknowledged_at INTEGER, resolved_by TEXT, resolved_at INTEGER, resolution_note TEXT,
            seq INTEGER NOT NULL);
        CREATE UNIQUE INDEX alerts_one_open ON alerts(site, device, type) WHERE state <> 'resolved';
        CREATE INDEX alerts_by_raised ON alerts(raised_at);
        CREATE TABLE alert_transitions (
            alert_id TEXT NOT NULL REFERENCES alerts(id), n INTEGER NOT NULL,
            at INTEGER NOT NULL, action TEXT NOT NULL, by TEXT NOT NULL, note TEXT, severity TEXT NOT NULL,
            PRIMARY KEY (alert_id, n));
        CREATE TABLE alert_escalations (
            alert_id TEXT NOT NULL REFERENCES alerts(id), reason TEXT NOT NULL, at INTEGER NOT NULL,
            PRIMARY KEY (alert_id, reason, at));
        CREATE TABLE changes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, site TEXT NOT NULL, event TEXT NOT NULL, payload TEXT NOT NULL, at INTEGER NOT NULL);
        CREATE TABLE device_seen (
            site TEXT NOT NULL, device TEXT NOT NULL, last_seen_at INTEGER NOT NULL, PRIMARY KEY (site, device));
        CREATE TABLE staff (
            username TEXT PRIMARY KEY COLLATE NOCASE, display_name TEXT NOT NULL, password_hash TEXT NOT NULL,
            role TEXT NOT NULL, sites TEXT NOT NULL, failed_logins INTEGER NOT NULL DEFAULT 0, locked_until INTEGER,
            created_at INTEGER NOT NULL);
        """,
        """
        CREATE TABLE alert_evidence (
            alert_id TEXT NOT NULL, kind TEXT NOT NULL, url TEXT NOT NULL, at INTEGER NOT NULL,
            PRIMARY KEY (alert_id, kind));
        """,
        """
        CREATE TABLE monthly_reports (
            site TEXT NOT NULL, month TEXT NOT NULL, computed_at INTEGER NOT NULL, payload TEXT NOT NULL, sha256 TEXT NOT NULL,
            published_at INTEGER,
            PRIMARY KEY (site, month));
        CREATE TRIGGER monthly_reports_immutable BEFORE UPDATE OF site, month, computed_at, payload, sha256 ON monthly_reports
        BEGIN SELECT RAISE(ABORT, 'monthly reports are immutable'); END;
        CREATE TRIGGER monthly_reports_kept BEFORE DELETE ON monthly_reports
        BEGIN SELECT RAISE(ABORT, 'monthly reports are immutable'); END;
        CREATE TABLE hub_facts (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
        """
        CREATE INDEX alerts_by_site_resolved ON alerts(site, resolved_at);
        """,
        """
        ALTER TABLE staff ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE staff ADD COLUMN security_stamp TEXT NOT NULL DEFAULT '';
        ALTER TABLE staff ADD COLUMN changed_at INTEGER;
        ALTER TABLE staff ADD COLUMN last_login_at INTEGER;
        UPDATE staff SET security_stamp = lower(hex(randomblob(16)));
        ALTER TABLE staff DROP COLUMN failed_logins;
        ALTER TABLE staff DROP COLUMN locked_until;
        CREATE TABLE staff_logins (
            username TEXT NOT NULL COLLATE NOCASE, address TEXT NOT NULL, last_at INTEGER NOT NULL,
            PRIMARY KEY (username, address));
        CREATE TABLE staff_audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL,
            username TEXT NOT NULL COLLATE NOCASE, action TEXT NOT NULL, detail TEXT NOT NULL);
        CREATE INDEX staff_audit_by_user ON staff_audit(username, id);
        """,
        """
        ALTER TABLE alerts ADD COLUMN clearing TEXT NOT NULL DEFAULT 'auto';
        ALTER TABLE alerts ADD COLUMN condition_cleared_at INTEGER;
        """,
        """
        ALTER TABLE alerts ADD COLUMN fact TEXT;
        ALTER TABLE alert_transitions ADD COLUMN fact TEXT;
        """,
    ];

    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private SqliteAlertStore(SqliteConnection connection)
    {
        _connection = connection;
    }

    public string Path { get; private init; } = string.Empty;

    public static async Task<SqliteAlertStore> OpenAsync(string path, ILogger logger, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", cancellationToken).ConfigureAwait(false);

        var version = Convert.ToInt32(await ScalarAsync(connection, "PRAGMA user_version;", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        if (version > Migrations.Length)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"{path} has schema version {version}, newer than this hub knows ({Migrations.Length}); upgrade the hub");
        }

        for (var next = version; next < Migrations.Length; next++)
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, Migrations[next], cancellationToken, transaction).ConfigureAwait(false);
            await ExecuteAsync(connection, $"PRAGMA user_version = {next + 1};", cancellationToken, transaction).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            LogMigrated(logger, path, next + 1);
        }

        return new SqliteAlertStore(connection) { Path = path };
    }

    /// <summary>
    /// Whether every change after <paramref name="seq"/> is still in the change log: false when older ones
    /// were pruned, or when the number is from the future (a client that saw a hub whose data was since reset).
    /// </summary>
    public async Task<bool> CanCatchUpFromAsync(long seq, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var query = Command(null, "SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0), (SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'changes') FROM changes;");
            await using var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var (oldest, newest, issued) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
            var last = Math.Max(newest, issued);
            return seq <= last && (oldest == 0 ? seq == last : seq >= oldest - 1);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Records a camera file (kind <c>snapshot</c> or <c>clip</c>) of an alert; the newest of each kind counts.</summary>
    public async Task SaveEvidenceAsync(Guid alertId, string kind, string url, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var upsert = Command(null, "INSERT INTO alert_evidence (alert_id, kind, url, at) VALUES ($id, $kind, $url, $at) ON CONFLICT(alert_id, kind) DO UPDATE SET url = $url, at = $at;");
            upsert.Parameters.AddWithValue("$id", alertId.ToString());
            upsert.Parameters.AddWithValue("$kind", kind);
            upsert.Parameters.AddWithValue("$url", url);
            upsert.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<Dictionary<Guid, AlertEvidence>> LoadEvidenceAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var evidence = new Dictionary<Guid, AlertEvidence>();
            await using var query = Command(null, "SELECT alert_id, kind, url FROM alert_evidence;");
            await using var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var id = Guid.Parse(reader.GetString(0));
                var current = evidence.GetValueOrDefault(id) ?? new AlertEvidence(null, null);
                evidence[id] = reader.GetString(1) == "clip" ? current with { ClipUrl = reader.GetString(2) } : current with { SnapshotUrl = reader.GetString(2) };
            }

            return evidence;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<long> LastSeqAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return Convert.ToInt64(await ScalarAsync(_connection, "SELECT COALESCE(MAX(seq), 0) FROM changes;", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Stores the alert, its audit trail and escalations, and appends a change whose payload is
    /// rendered with the change's sequence number; all in one transaction. Returns that number.
    /// </summary>
    public async Task<long> SaveAsync(Alert alert, string changeEvent, Func<long, string> payload, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var seq = await AppendChangeAsync(alert.Site, changeEvent, payload, transaction, cancellationToken).ConfigureAwait(false);

            await using (var upsert = Command(transaction, """
                INSERT INTO alerts (id, site, device, type, zone, kind, severity, state, message, raised_at, active_since, last_seen_at, count,
                                    acknowledged_by, acknowledged_at, resolved_by, resolved_at, resolution_note, seq, clearing, condition_cleared_at, fact)
                VALUES ($id, $site, $device, $type, $zone, $kind, $severity, $state, $message, $raised, $active, $seen, $count,
                        $ackBy, $ackAt, $resBy, $resAt, $note, $seq, $clearing, $conditionCleared, $fact)
                ON CONFLICT(id) DO UPDATE SET severity = $severity, state = $state, message = $message, fact = $fact, active_since = $active,
                    last_seen_at = $seen, count = $count, acknowledged_by = $ackBy, acknowledged_at = $ackAt,
                    resolved_by = $resBy, resolved_at = $resAt, resolution_note = $note, seq = $seq,
                    clearing = $clearing, condition_cleared_at = $conditionCleared;
                """))
            {
                Bind(upsert, alert, seq);
                await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            for (var n = 0; n < alert.History.Count; n++)
            {
                var entry = alert.History[n];
                await using var insert = Command(transaction, "INSERT OR IGNORE INTO alert_transitions (alert_id, n, at, action, by, note, severity, fact) VALUES ($id, $n, $at, $action, $by, $note, $severity, $fact);");
                insert.Parameters.AddWithValue("$id", alert.Id.ToString());
                insert.Parameters.AddWithValue("$n", n);
                insert.Parameters.AddWithValue("$at", entry.At.ToUnixTimeMilliseconds());
                insert.Parameters.AddWithValue("$action", entry.Action);
                insert.Parameters.AddWithValue("$by", entry.By);
                insert.Parameters.AddWithValue("$note", (object?)entry.Note ?? DBNull.Value);
                insert.Parameters.AddWithValue("$severity", entry.Severity.ToWire());
                insert.Parameters.AddWithValue("$fact", (object?)FactJson(entry.Fact) ?? DBNull.Value);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            foreach (var escalation in alert.Escalations)
            {
                await using var insert = Command(transaction, "INSERT OR IGNORE INTO alert_escalations (alert_id, reason, at) VALUES ($id, $reason, $at);");
                insert.Parameters.AddWithValue("$id", alert.Id.ToString());
                insert.Parameters.AddWithValue("$reason", escalation.Reason);
                insert.Parameters.AddWithValue("$at", escalation.At.ToUnixTimeMilliseconds());
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return seq;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Appends a change that is not an alert (a device's status) to the log.</summary>
    public async Task<long> AppendChangeAsync(string site, string changeEvent, Func<long, string> payload, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var seq = await AppendChangeAsync(site, changeEvent, payload, transaction, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return seq;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<ChangeRecord>> ChangesSinceAsync(long seq, IReadOnlyCollection<string> sites, int limit, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var query = Command(null, $"SELECT seq, site, event, payload FROM changes WHERE seq > $seq AND site IN ({InList(sites.Count)}) ORDER BY seq LIMIT $limit;");
            query.Parameters.AddWithValue("$seq", seq);
            query.Parameters.AddWithValue("$limit", limit);
            AddInList(query, sites);
            var changes = new List<ChangeRecord>();
            await using var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                changes.Add(new ChangeRecord(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
            }

            return changes;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A site's alerts that were raised before <paramref name="to"/> and not closed before <paramref name="from"/> (a report period).</summary>
    public Task<IReadOnlyList<(Alert Alert, long Seq)>> ForPeriodAsync(string site, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        LoadAsync("WHERE site = $site AND raised_at < $to AND (resolved_at IS NULL OR resolved_at >= $from)", q =>
        {
            q.Parameters.AddWithValue("$site", site);
            q.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
            q.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
        }, cancellationToken);

    /// <summary>Open alerts, and those resolved since <paramref name="resolvedSince"/> (they may still reopen).</summary>
    public Task<IReadOnlyList<(Alert Alert, long Seq)>> LoadLiveAsync(DateTimeOffset resolvedSince, CancellationToken cancellationToken = default) =>
        LoadAsync("WHERE state <> 'resolved' OR resolved_at >= $since", q => q.Parameters.AddWithValue("$since", resolvedSince.ToUnixTimeMilliseconds()), cancellationToken);

    public async Task<(Alert Alert, long Seq)?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var found = await LoadAsync("WHERE id = $id", q => q.Parameters.AddWithValue("$id", id.ToString()), cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<(Alert Alert, long Seq)>> QueryAsync(AlertQuery filter, CancellationToken cancellationToken = default)
    {
        var where = new List<string>();
        void Configure(SqliteCommand q)
        {
            if (filter.Sites is { } sites)
            {
                AddInList(q, sites);
            }

            q.Parameters.AddWithValue("$state", filter.State?.ToWire() ?? string.Empty);
            q.Parameters.AddWithValue("$zone", filter.Zone ?? string.Empty);
            q.Parameters.AddWithValue("$type", filter.Type?.ToWire() ?? string.Empty);
            q.Parameters.AddWithValue("$severity", filter.Severity?.ToWire() ?? string.Empty);
            q.Parameters.AddWithValue("$from", filter.From?.ToUnixTimeMilliseconds() ?? 0);
            q.Parameters.AddWithValue("$to", filter.To?.ToUnixTimeMilliseconds() ?? 0);
        }

        if (filter.Sites is { } siteList)
        {
            where.Add($"site IN ({InList(siteList.Count)})");
        }

        if (filter.State is not null) where.Add("state = $state");
        if (filter.OpenOnly) where.Add("state <> 'resolved'");
        if (filter.Zone is not null) where.Add("zone = $zone");
        if (filter.Type is not null) where.Add("type = $type");
        if (filter.Severity is not null) where.Add("severity = $severity");
        if (filter.From is not null) where.Add("raised_at >= $from");
        if (filter.To is not null) where.Add("raised_at < $to");
        var clause = (where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : string.Empty)
            + string.Create(CultureInfo.InvariantCulture, $" ORDER BY raised_at DESC, id LIMIT {Math.Clamp(filter.Limit, 1, 1000)} OFFSET {Math.Max(0, filter.Offset)}");
        return LoadAsync(clause, Configure, cancellationToken);
    }

    /// <summary>
    /// Drops change-log entries older than <paramref name="before"/>, keeping at least the newest
    /// <paramref name="keepAtLeast"/> (the alerts and audit trail are never pruned). Returns how many went.
    /// </summary>
    public async Task<int> PruneChangesAsync(DateTimeOffset before, int keepAtLeast, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var delete = Command(null, "DELETE FROM changes WHERE at < $before AND seq <= (SELECT COALESCE(MAX(seq), 0) FROM changes) - $keep;");
            delete.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
            delete.Parameters.AddWithValue("$keep", keepAtLeast);
            return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task RecordDeviceSeenAsync(IEnumerable<(string Site, string Device, DateTimeOffset LastSeen)> seen, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (site, device, lastSeen) in seen)
            {
                await using var upsert = Command(transaction, "INSERT INTO device_seen (site, device, last_seen_at) VALUES ($site, $device, $at) ON CONFLICT(site, device) DO UPDATE SET last_seen_at = MAX(last_seen_at, $at);");
                upsert.Parameters.AddWithValue("$site", site);
                upsert.Parameters.AddWithValue("$device", device);
                upsert.Parameters.AddWithValue("$at", lastSeen.ToUnixTimeMilliseconds());
                await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> DevicesSeenAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var query = Command(null, "SELECT site, device, last_seen_at FROM device_seen;");
            var seen = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            await using var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                seen[$"{reader.GetString(0)}/{reader.GetString(1)}"] = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2));
            }

            return seen;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }

    private async Task<long> AppendChangeAsync(string site, string changeEvent, Func<long, string> payload, SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        await using var insert = Command(transaction, "INSERT INTO changes (site, event, payload, at) VALUES ($site, $event, '', $at); SELECT last_insert_rowid();");
        insert.Parameters.AddWithValue("$site", site);
        insert.Parameters.AddWithValue("$event", changeEvent);
        insert.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var seq = Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        await using var update = Command(transaction, "UPDATE changes SET payload = $payload WHERE seq = $seq;");
        update.Parameters.AddWithValue("$payload", payload(seq));
        update.Parameters.AddWithValue("$seq", seq);
        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return seq;
    }

    private async Task<IReadOnlyList<(Alert Alert, long Seq)>> LoadAsync(string clause, Action<SqliteCommand> configure, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var rows = new List<(AlertSnapshot Snapshot, long Seq)>();
            await using (var query = Command(null, $"""
                SELECT id, site, device, type, zone, kind, severity, state, message, raised_at, active_since, last_seen_at, count,
                       acknowledged_by, acknowledged_at, resolved_by, resolved_at, resolution_note, seq, clearing, condition_cleared_at, fact
                FROM alerts {clause};
                """))
            {
                configure(query);
                await using var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add((ReadSnapshot(reader), reader.GetInt64(18)));
                }
            }

            // The audit trails and escalations of all those alerts in one query each (not two per alert).
            // No ORDER BY: it would make SQLite walk the whole table in key order; each trail is sorted below.
            var history = new Dictionary<string, List<(long N, AlertTransition Transition)>>(StringComparer.Ordinal);
            await using (var query = Command(null, $"SELECT alert_id, n, at, action, by, note, severity, fact FROM alert_transitions WHERE alert_id IN (SELECT id FROM alerts {clause});"))
            {
                configure(query);
                await using var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    AlertCatalogue.TryParse(reader.GetString(6), out AlertSeverity severity);
                    var transition = new AlertTransition(Time(reader.GetInt64(2)), reader.GetString(3), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), severity, ReadFact(reader, 7));
                    (history.TryGetValue(reader.GetString(0), out var list) ? list : history[reader.GetString(0)] = []).Add((reader.GetInt64(1), transition));
                }
            }

            var escalations = new Dictionary<string, List<AlertEscalation>>(StringComparer.Ordinal);
            await using (var query = Command(null, $"SELECT alert_id, reason, at FROM alert_escalations WHERE alert_id IN (SELECT id FROM alerts {clause});"))
            {
                configure(query);
                await using var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var escalation = new AlertEscalation(reader.GetString(1), Time(reader.GetInt64(2)));
                    (escalations.TryGetValue(reader.GetString(0), out var list) ? list : escalations[reader.GetString(0)] = []).Add(escalation);
                }
            }

            var alerts = new List<(Alert, long)>(rows.Count);
            foreach (var (snapshot, seq) in rows)
            {
                var id = snapshot.Id.ToString();
                var trail = history.TryGetValue(id, out var steps) ? steps.OrderBy(s => s.N).Select(s => s.Transition).ToArray() : [];
                var escalated = escalations.TryGetValue(id, out var raised) ? raised.OrderBy(e => e.At).ToArray() : [];
                alerts.Add((Alert.Restore(snapshot with { History = trail, Escalations = escalated }), seq));
            }

            return alerts;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static AlertSnapshot ReadSnapshot(SqliteDataReader reader)
    {
        AlertCatalogue.TryParse(reader.GetString(3), out AlertType type);
        DeviceKinds.TryParseAlertSource(reader.GetString(5), out var kind);
        AlertCatalogue.TryParse(reader.GetString(6), out AlertSeverity severity);
        AlertCatalogue.TryParse(reader.GetString(7), out AlertState state);
        AlertCatalogue.TryParse(reader.GetString(19), out AlertClearing clearing);
        return new AlertSnapshot(
            Guid.Parse(reader.GetString(0)),
            new AlertKey(reader.GetString(1), reader.GetString(2), type),
            reader.GetString(4),
            kind,
            severity,
            state,
            reader.GetString(8),
            Time(reader.GetInt64(9)),
            Time(reader.GetInt64(10)),
            Time(reader.GetInt64(11)),
            reader.GetInt32(12),
            reader.IsDBNull(13) ? null : reader.GetString(13),
            reader.IsDBNull(14) ? null : Time(reader.GetInt64(14)),
            reader.IsDBNull(15) ? null : reader.GetString(15),
            reader.IsDBNull(16) ? null : Time(reader.GetInt64(16)),
            reader.IsDBNull(17) ? null : reader.GetString(17),
            [],
            [],
            clearing,
            reader.IsDBNull(20) ? null : Time(reader.GetInt64(20)),
            ReadFact(reader, 21));
    }

    private static void Bind(SqliteCommand command, Alert alert, long seq)
    {
        command.Parameters.AddWithValue("$id", alert.Id.ToString());
        command.Parameters.AddWithValue("$site", alert.Site);
        command.Parameters.AddWithValue("$device", alert.DeviceId);
        command.Parameters.AddWithValue("$type", alert.Type.ToWire());
        command.Parameters.AddWithValue("$zone", alert.Zone);
        command.Parameters.AddWithValue("$kind", alert.Kind.ToWire());
        command.Parameters.AddWithValue("$severity", alert.Severity.ToWire());
        command.Parameters.AddWithValue("$state", alert.State.ToWire());
        command.Parameters.AddWithValue("$message", alert.Message);
        command.Parameters.AddWithValue("$raised", alert.RaisedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$active", alert.ActiveSince.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$seen", alert.LastSeenAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$count", alert.Count);
        command.Parameters.AddWithValue("$ackBy", (object?)alert.AcknowledgedBy ?? DBNull.Value);
        command.Parameters.AddWithValue("$ackAt", (object?)alert.AcknowledgedAt?.ToUnixTimeMilliseconds() ?? DBNull.Value);
        command.Parameters.AddWithValue("$resBy", (object?)alert.ResolvedBy ?? DBNull.Value);
        command.Parameters.AddWithValue("$resAt", (object?)alert.ResolvedAt?.ToUnixTimeMilliseconds() ?? DBNull.Value);
        command.Parameters.AddWithValue("$note", (object?)alert.ResolutionNote ?? DBNull.Value);
        command.Parameters.AddWithValue("$seq", seq);
        command.Parameters.AddWithValue("$clearing", alert.Clearing.ToWire());
        command.Parameters.AddWithValue("$conditionCleared", (object?)alert.ConditionClearedAt?.ToUnixTimeMilliseconds() ?? DBNull.Value);
        command.Parameters.AddWithValue("$fact", (object?)FactJson(alert.Fact) ?? DBNull.Value);
    }

    // Facts are stored as their API form; alerts stored before facts have none (the desk shows their message).
    private static string? FactJson(AlertFact? fact) =>
        AlertFactView.From(fact) is { } view ? JsonSerializer.Serialize(view, DeskJsonContext.Default.AlertFactView) : null;

    private static AlertFact? ReadFact(SqliteDataReader reader, int ordinal)
    {
        if (reader.IsDBNull(ordinal))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(reader.GetString(ordinal), DeskJsonContext.Default.AlertFactView)?.ToFact();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private SqliteCommand Command(SqliteTransaction? transaction, string sql)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    private static string InList(int count) => count == 0 ? "NULL" : string.Join(", ", Enumerable.Range(0, count).Select(i => $"$s{i}"));

    private static void AddInList(SqliteCommand command, IReadOnlyCollection<string> values)
    {
        var i = 0;
        foreach (var value in values)
        {
            command.Parameters.AddWithValue($"$s{i++}", value);
        }
    }

    private static DateTimeOffset Time(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs);

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken, SqliteTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert store {Path} migrated to schema version {Version}")]
    private static partial void LogMigrated(ILogger logger, string path, int version);
}
