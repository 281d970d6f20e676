using System.Globalization;
using Microsoft.Data.Sqlite;
using RedProperty.Iot.Hub.Views;

namespace RedProperty.Iot.Hub.Storage;

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
/// Alerts with their audit trail and escalations, each with the number of the change that last announced
/// it. An alert is saved in the transaction that appends that change (<see cref="ChangeLogStore"/>), so it
/// is on disk before anyone is told. The database refuses a second open alert per (site, device, type).
/// Also the camera files (evidence) of each alert.
/// </summary>
public sealed class AlertStore(HubDatabase database)
{
    private const string Columns = """
        id, site, device, type, zone, kind, severity, state, message, raised_at, active_since, last_seen_at, count,
        acknowledged_by, acknowledged_at, resolved_by, resolved_at, resolution_note, seq, clearing, condition_cleared_at, fact,
        on_the_way_by, on_the_way_at, arrived_by, arrived_at, arrival_proof, arrival_detail, assigned_to, assigned_at
        """;

    /// <summary>Stores the alert, its audit trail and escalations in the caller's transaction, with the number of its change.</summary>
    public async Task SaveAsync(SqliteTransaction transaction, Alert alert, long seq, CancellationToken cancellationToken)
    {
        await using (var upsert = transaction.Command($"""
            INSERT INTO alerts ({Columns})
            VALUES ($id, $site, $device, $type, $zone, $kind, $severity, $state, $message, $raised, $active, $seen, $count,
                    $ackBy, $ackAt, $resBy, $resAt, $note, $seq, $clearing, $conditionCleared, $fact,
                    $wayBy, $wayAt, $arrivedBy, $arrivedAt, $proof, $arrival, $assignedTo, $assignedAt)
            ON CONFLICT(id) DO UPDATE SET severity = $severity, state = $state, message = $message, fact = $fact, active_since = $active,
                last_seen_at = $seen, count = $count, acknowledged_by = $ackBy, acknowledged_at = $ackAt,
                resolved_by = $resBy, resolved_at = $resAt, resolution_note = $note, seq = $seq,
                clearing = $clearing, condition_cleared_at = $conditionCleared,
                on_the_way_by = $wayBy, on_the_way_at = $wayAt, arrived_by = $arrivedBy, arrived_at = $arrivedAt,
                arrival_proof = $proof, arrival_detail = $arrival, assigned_to = $assignedTo, assigned_at = $assignedAt;
            """))
        {
            Bind(upsert, alert, seq);
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        for (var n = 0; n < alert.History.Count; n++)
        {
            var entry = alert.History[n];
            await using var insert = transaction.Command("INSERT OR IGNORE INTO alert_transitions (alert_id, n, at, action, by, note, severity, fact) VALUES ($id, $n, $at, $action, $by, $note, $severity, $fact);")
                .With("$id", alert.Id.ToString())
                .With("$n", n)
                .With("$at", entry.At.ToUnixTimeMilliseconds())
                .With("$action", entry.Action)
                .With("$by", entry.By)
                .With("$note", entry.Note)
                .With("$severity", entry.Severity.ToWire())
                .With("$fact", StoredFact.Write(entry.Fact));
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var escalation in alert.Escalations)
        {
            await using var insert = transaction.Command("INSERT OR IGNORE INTO alert_escalations (alert_id, reason, at) VALUES ($id, $reason, $at);")
                .With("$id", alert.Id.ToString())
                .With("$reason", escalation.Reason)
                .With("$at", escalation.At.ToUnixTimeMilliseconds());
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Records an evidence file of an alert (a kind of <see cref="AlertEvidence"/>); the newest of each kind counts.</summary>
    public Task SaveEvidenceAsync(Guid alertId, string kind, string url, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var upsert = connection.Command("INSERT INTO alert_evidence (alert_id, kind, url, at) VALUES ($id, $kind, $url, $at) ON CONFLICT(alert_id, kind) DO UPDATE SET url = $url, at = $at;")
                .With("$id", alertId.ToString())
                .With("$kind", kind)
                .With("$url", url)
                .With("$at", at.ToUnixTimeMilliseconds());
            await upsert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Every alert's evidence files.</summary>
    public Task<Dictionary<Guid, AlertEvidence>> LoadEvidenceAsync(CancellationToken cancellationToken = default) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var query = connection.Command("SELECT alert_id, kind, url FROM alert_evidence;");
            var evidence = new Dictionary<Guid, AlertEvidence>();
            foreach (var (id, kind, url) in await query.ListAsync(r => (Guid.Parse(r.GetString(0)), r.GetString(1), r.GetString(2)), ct).ConfigureAwait(false))
            {
                evidence[id] = (evidence.GetValueOrDefault(id) ?? AlertEvidence.None).With(kind, url);
            }

            return evidence;
        }, cancellationToken);

    /// <summary>A site's alerts that were raised before <paramref name="to"/> and not closed before <paramref name="from"/> (a report period).</summary>
    public Task<IReadOnlyList<(Alert Alert, long Seq)>> ForPeriodAsync(string site, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        LoadAsync(
            "WHERE site = $site AND raised_at < $to AND (resolved_at IS NULL OR resolved_at >= $from)",
            q => q.With("$site", site).With("$from", from.ToUnixTimeMilliseconds()).With("$to", to.ToUnixTimeMilliseconds()),
            cancellationToken);

    /// <summary>Open alerts, and those resolved since <paramref name="resolvedSince"/> (they may still reopen).</summary>
    public Task<IReadOnlyList<(Alert Alert, long Seq)>> LoadLiveAsync(DateTimeOffset resolvedSince, CancellationToken cancellationToken = default) =>
        LoadAsync("WHERE state <> 'resolved' OR resolved_at >= $since", q => q.With("$since", resolvedSince.ToUnixTimeMilliseconds()), cancellationToken);

    public async Task<(Alert Alert, long Seq)?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var found = await LoadAsync("WHERE id = $id", q => q.With("$id", id.ToString()), cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<(Alert Alert, long Seq)>> QueryAsync(AlertQuery filter, CancellationToken cancellationToken = default)
    {
        var where = new List<string>();
        void Configure(SqliteCommand q)
        {
            if (filter.Sites is { } sites)
            {
                q.AddInList(sites);
            }

            q.With("$state", filter.State?.ToWire() ?? string.Empty)
                .With("$zone", filter.Zone ?? string.Empty)
                .With("$type", filter.Type?.ToWire() ?? string.Empty)
                .With("$severity", filter.Severity?.ToWire() ?? string.Empty)
                .With("$from", filter.From?.ToUnixTimeMilliseconds() ?? 0)
                .With("$to", filter.To?.ToUnixTimeMilliseconds() ?? 0);
        }

        if (filter.Sites is { } siteList)
        {
            where.Add($"site IN ({SqliteCommands.InList(siteList.Count)})");
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

    private Task<IReadOnlyList<(Alert Alert, long Seq)>> LoadAsync(string clause, Action<SqliteCommand> configure, CancellationToken cancellationToken) =>
        database.RunAsync<IReadOnlyList<(Alert Alert, long Seq)>>(async (connection, ct) =>
        {
            await using var alerts = connection.Command($"SELECT {Columns} FROM alerts {clause};");
            configure(alerts);
            var rows = await alerts.ListAsync(r => (Snapshot: ReadSnapshot(r), Seq: r.GetInt64(18)), ct).ConfigureAwait(false);

            // The audit trails and escalations of all those alerts in one query each (not two per alert).
            // No ORDER BY: it would make SQLite walk the whole table in key order; each trail is sorted below.
            await using var transitions = connection.Command($"SELECT alert_id, n, at, action, by, note, severity, fact FROM alert_transitions WHERE alert_id IN (SELECT id FROM alerts {clause});");
            configure(transitions);
            var history = (await transitions.ListAsync(r => (AlertId: r.GetString(0), N: r.GetInt64(1), Transition: ReadTransition(r)), ct).ConfigureAwait(false))
                .ToLookup(t => t.AlertId, StringComparer.Ordinal);

            await using var escalated = connection.Command($"SELECT alert_id, reason, at FROM alert_escalations WHERE alert_id IN (SELECT id FROM alerts {clause});");
            configure(escalated);
            var escalations = (await escalated.ListAsync(r => (AlertId: r.GetString(0), Escalation: new AlertEscalation(r.GetString(1), SqliteCommands.Time(r.GetInt64(2)))), ct).ConfigureAwait(false))
                .ToLookup(e => e.AlertId, StringComparer.Ordinal);

            return rows.Select(row =>
            {
                var id = row.Snapshot.Id.ToString();
                var trail = history[id].OrderBy(s => s.N).Select(s => s.Transition).ToArray();
                var raised = escalations[id].Select(e => e.Escalation).OrderBy(e => e.At).ToArray();
                return (Alert.Restore(row.Snapshot with { History = trail, Escalations = raised }), row.Seq);
            }).ToArray();
        }, cancellationToken);

    private static AlertTransition ReadTransition(SqliteDataReader reader)
    {
        AlertCatalogue.TryParse(reader.GetString(6), out AlertSeverity severity);
        return new AlertTransition(SqliteCommands.Time(reader.GetInt64(2)), reader.GetString(3), reader.GetString(4), reader.StringOrNull(5), severity, StoredFact.Read(reader.StringOrNull(7)));
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
            SqliteCommands.Time(reader.GetInt64(9)),
            SqliteCommands.Time(reader.GetInt64(10)),
            SqliteCommands.Time(reader.GetInt64(11)),
            reader.GetInt32(12),
            reader.StringOrNull(13),
            reader.TimeOrNull(14),
            reader.StringOrNull(15),
            reader.TimeOrNull(16),
            reader.StringOrNull(17),
            [],
            [],
            clearing,
            reader.TimeOrNull(20),
            StoredFact.Read(reader.StringOrNull(21)),
            reader.StringOrNull(22),
            reader.TimeOrNull(23),
            reader.StringOrNull(24),
            reader.TimeOrNull(25),
            AlertCatalogue.TryParse(reader.StringOrNull(26), out ArrivalProof proof) ? proof : null,
            reader.StringOrNull(27),
            reader.StringOrNull(28),
            reader.TimeOrNull(29));
    }

    private static void Bind(SqliteCommand command, Alert alert, long seq) => command
        .With("$id", alert.Id.ToString())
        .With("$site", alert.Site)
        .With("$device", alert.DeviceId)
        .With("$type", alert.Type.ToWire())
        .With("$zone", alert.Zone)
        .With("$kind", alert.Kind.ToWire())
        .With("$severity", alert.Severity.ToWire())
        .With("$state", alert.State.ToWire())
        .With("$message", alert.Message)
        .With("$raised", alert.RaisedAt.ToUnixTimeMilliseconds())
        .With("$active", alert.ActiveSince.ToUnixTimeMilliseconds())
        .With("$seen", alert.LastSeenAt.ToUnixTimeMilliseconds())
        .With("$count", alert.Count)
        .With("$ackBy", alert.AcknowledgedBy)
        .With("$ackAt", alert.AcknowledgedAt?.ToUnixTimeMilliseconds())
        .With("$resBy", alert.ResolvedBy)
        .With("$resAt", alert.ResolvedAt?.ToUnixTimeMilliseconds())
        .With("$note", alert.ResolutionNote)
        .With("$seq", seq)
        .With("$clearing", alert.Clearing.ToWire())
        .With("$conditionCleared", alert.ConditionClearedAt?.ToUnixTimeMilliseconds())
        .With("$fact", StoredFact.Write(alert.Fact))
        .With("$wayBy", alert.OnTheWayBy)
        .With("$wayAt", alert.OnTheWayAt?.ToUnixTimeMilliseconds())
        .With("$arrivedBy", alert.ArrivedBy)
        .With("$arrivedAt", alert.ArrivedAt?.ToUnixTimeMilliseconds())
        .With("$proof", alert.ArrivalProof?.ToWire())
        .With("$arrival", alert.ArrivalDetail)
        .With("$assignedTo", alert.AssignedTo)
        .With("$assignedAt", alert.AssignedAt?.ToUnixTimeMilliseconds());
}
