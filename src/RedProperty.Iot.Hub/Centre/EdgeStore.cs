using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using RedProperty.Iot.Hub.ChangeLog;
using RedProperty.Iot.Hub.Storage;

namespace RedProperty.Iot.Hub.Centre;

/// <summary>An edge's change as the centre reads it from <c>rp/{site}/uplink/changes</c> (see <c>UplinkMessage</c>).</summary>
public sealed record EdgeChange(string Edge, long Seq, string Site, string Event, DateTimeOffset SentAt, JsonElement Data, JsonElement? Trail);

/// <summary>How an edge hub stands at the centre: the newest change applied, when it was sent and when heard.</summary>
public sealed record EdgeStatus(string Edge, long LastSeq, DateTimeOffset LastSentAt, DateTimeOffset LastHeardAt, long Applied, long Duplicates, long HeadSeq);

public enum EdgeChangeOutcome
{
    Applied,

    /// <summary>A change with this number, or a later one, was applied before (a resend): nothing changes.</summary>
    Duplicate,
}

/// <summary>
/// The centre's read model of the compounds whose edges report up, in <c>hub.db</c>: each edge alert as its edge
/// last showed it (its view and audit trail), each device's status, and per edge the newest change applied. A
/// change is applied once: its number must be higher than the edge's last, and the alert, the device and the
/// edge's position move in one transaction, so a centre killed between two changes resumes exactly.
/// </summary>
public sealed class EdgeStore(HubDatabase database, ChangeLogStore changeLog)
{
    /// <summary>
    /// Applies one change of an edge; the desk change it makes at the centre (numbered in the centre's own change
    /// log, which desks catch up from) is returned to be published once committed, null for a duplicate.
    /// </summary>
    public Task<(EdgeChangeOutcome Outcome, DeskChange? Desk)> ApplyAsync(EdgeChange change, DateTimeOffset receivedAt, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (transaction, ct) =>
        {
            await using var position = transaction.Command("SELECT last_seq FROM edges WHERE edge = $edge;").With("$edge", change.Edge);
            var last = await position.ExecuteScalarAsync(ct).ConfigureAwait(false) is long seq ? seq : 0;
            var applied = change.Seq > last;
            DeskChange? desk = null;
            if (applied)
            {
                desk = await SaveAsync(transaction, change, receivedAt, ct).ConfigureAwait(false);
            }

            await using var upsert = transaction.Command("""
                INSERT INTO edges (edge, last_seq, last_sent_at, last_heard_at, applied, duplicates, head_seq) VALUES ($edge, $seq, $sent, $heard, $applied, $duplicate, $seq)
                ON CONFLICT(edge) DO UPDATE SET last_seq = MAX(last_seq, $seq), head_seq = MAX(head_seq, $seq), last_sent_at = CASE WHEN $seq > last_seq THEN $sent ELSE last_sent_at END,
                    last_heard_at = $heard, applied = applied + $applied, duplicates = duplicates + $duplicate;
                """)
                .With("$edge", change.Edge)
                .With("$seq", change.Seq)
                .With("$sent", change.SentAt.ToUnixTimeMilliseconds())
                .With("$heard", receivedAt.ToUnixTimeMilliseconds())
                .With("$applied", applied ? 1 : 0)
                .With("$duplicate", applied ? 0 : 1);
            await upsert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return (applied ? EdgeChangeOutcome.Applied : EdgeChangeOutcome.Duplicate, desk);
        }, cancellationToken);

    /// <summary>Stores the alert or device status as the edge showed it, numbered as a change of the centre's own log.</summary>
    private async Task<DeskChange?> SaveAsync(SqliteTransaction transaction, EdgeChange change, DateTimeOffset receivedAt, CancellationToken ct)
    {
        if (change.Event is DeskEvents.AlertRaised or DeskEvents.AlertUpdated)
        {
            var edgeView = change.Data.Deserialize(DeskJsonContext.Default.AlertView)!;
            var commands = await CommandsOfAsync(transaction, edgeView.Id, ct).ConfigureAwait(false);
            var made = await changeLog.AppendAsync(transaction, seq => new DeskChange.AlertChanged(seq, change.Site, edgeView with { Seq = seq, Commands = commands }, change.Event == DeskEvents.AlertRaised), ct).ConfigureAwait(false);
            var view = made.Alert;
            await using var alert = transaction.Command("""
                INSERT INTO edge_alerts (id, edge, site, zone, type, severity, state, raised_at, seq, view, trail, received_at)
                VALUES ($id, $edge, $site, $zone, $type, $severity, $state, $raised, $seq, $view, $trail, $received)
                ON CONFLICT(id) DO UPDATE SET zone = $zone, severity = $severity, state = $state, seq = $seq, view = $view, trail = COALESCE($trail, trail), received_at = $received;
                """)
                .With("$id", view.Id.ToString())
                .With("$edge", change.Edge)
                .With("$site", change.Site)
                .With("$zone", view.Zone)
                .With("$type", view.Type)
                .With("$severity", view.Severity)
                .With("$state", view.State)
                .With("$raised", view.RaisedAt.ToUnixTimeMilliseconds())
                .With("$seq", change.Seq)
                .With("$view", made.Payload)
                .With("$trail", change.Trail is { ValueKind: JsonValueKind.Array } trail ? trail.GetRawText() : null)
                .With("$received", receivedAt.ToUnixTimeMilliseconds());
            await alert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return made;
        }

        if (change.Event == DeskEvents.DeviceStatusChanged)
        {
            var edgeStatus = change.Data.Deserialize(DeskJsonContext.Default.DeviceStatusView)!;
            var made = await changeLog.AppendAsync(transaction, seq => new DeskChange.DeviceStatusChanged(seq, change.Site, edgeStatus with { Seq = seq }), ct).ConfigureAwait(false);
            await using var device = transaction.Command("""
                INSERT INTO edge_devices (site, device, edge, status, view) VALUES ($site, $device, $edge, $status, $view)
                ON CONFLICT(site, device) DO UPDATE SET edge = $edge, status = $status, view = $view;
                """)
                .With("$site", change.Site)
                .With("$device", edgeStatus.DeviceId)
                .With("$edge", change.Edge)
                .With("$status", edgeStatus.Status)
                .With("$view", made.Payload);
            await device.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return made;
        }

        return null;
    }

    /// <summary>
    /// Shows an edge alert again with the centre's actions on it as they now stand (sent, refused, done), as a new
    /// change of the centre's log; null when the centre has not heard of the alert.
    /// </summary>
    public async Task<DeskChange.AlertChanged?> ReshowAsync(SqliteTransaction transaction, Guid id, CancellationToken ct)
    {
        await using var query = transaction.Command("SELECT site, view FROM edge_alerts WHERE id = $id;").With("$id", id.ToString());
        var rows = await query.ListAsync(r => (Site: r.GetString(0), View: r.GetString(1)), ct).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            return null;
        }

        var shown = JsonSerializer.Deserialize(rows[0].View, DeskJsonContext.Default.AlertView)!;
        var commands = await CommandsOfAsync(transaction, id, ct).ConfigureAwait(false);
        var made = await changeLog.AppendAsync(transaction, seq => new DeskChange.AlertChanged(seq, rows[0].Site, shown with { Seq = seq, Commands = commands }, false), ct).ConfigureAwait(false);
        await using var update = transaction.Command("UPDATE edge_alerts SET view = $view WHERE id = $id;").With("$id", id.ToString()).With("$view", made.Payload);
        await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        return made;
    }

    /// <summary>The centre's actions on an edge alert that its edge has not carried out (pending or refused), oldest first; null when none.</summary>
    private static async Task<IReadOnlyList<Views.EdgeCommandView>?> CommandsOfAsync(SqliteTransaction transaction, Guid id, CancellationToken ct)
    {
        await using var query = transaction.Command("""
            SELECT id, action, by, issued_at, state, outcome, problem FROM edge_commands WHERE alert_id = $id AND state <> 'done' ORDER BY issued_at;
            """).With("$id", id.ToString());
        var commands = await query.ListAsync(r => new Views.EdgeCommandView(
            r.GetString(0), r.GetString(1), r.GetString(2), SqliteCommands.Time(r.GetInt64(3)), r.GetString(4), r.StringOrNull(5), r.StringOrNull(6)), ct).ConfigureAwait(false);
        return commands.Count == 0 ? null : commands;
    }

    /// <summary>The edges' open alerts as stored (to fill the centre's live view at start).</summary>
    public Task<IReadOnlyList<Views.AlertView>> OpenAsync(CancellationToken cancellationToken = default) =>
        database.RunAsync<IReadOnlyList<Views.AlertView>>(async (connection, ct) =>
        {
            await using var query = connection.Command("SELECT view FROM edge_alerts WHERE state <> 'resolved';");
            return await query.ListAsync(r => JsonSerializer.Deserialize(r.GetString(0), DeskJsonContext.Default.AlertView)!, ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Edge alerts as their edges showed them, newest first, with the same filters as the hub's own alerts.</summary>
    public Task<IReadOnlyList<(DateTimeOffset RaisedAt, JsonElement View)>> QueryAsync(AlertQuery filter, CancellationToken cancellationToken = default) =>
        database.RunAsync<IReadOnlyList<(DateTimeOffset, JsonElement)>>(async (connection, ct) =>
        {
            var where = new List<string>();
            await using var query = connection.Command(string.Empty);
            if (filter.Sites is { } sites)
            {
                where.Add($"site IN ({SqliteCommands.InList(sites.Count)})");
                query.AddInList(sites);
            }

            if (filter.State is { } state) { where.Add("state = $state"); query.With("$state", state.ToWire()); }
            if (filter.OpenOnly) where.Add("state <> 'resolved'");
            if (filter.Zone is { } zone) { where.Add("zone = $zone"); query.With("$zone", zone); }
            if (filter.Type is { } type) { where.Add("type = $type"); query.With("$type", type.ToWire()); }
            if (filter.Severity is { } severity) { where.Add("severity = $severity"); query.With("$severity", severity.ToWire()); }
            if (filter.From is { } from) { where.Add("raised_at >= $from"); query.With("$from", from.ToUnixTimeMilliseconds()); }
            if (filter.To is { } to) { where.Add("raised_at < $to"); query.With("$to", to.ToUnixTimeMilliseconds()); }
            query.CommandText = $"SELECT raised_at, view FROM edge_alerts {(where.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", where))} ORDER BY raised_at DESC, id LIMIT $limit;";
            query.With("$limit", filter.Offset + filter.Limit);
            return await query.ListAsync(r => (SqliteCommands.Time(r.GetInt64(0)), JsonDocument.Parse(r.GetString(1)).RootElement.Clone()), ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>One edge alert with its audit trail, in the shape of the hub's own (<c>alert</c>, <c>history</c>); null when unknown.</summary>
    public Task<(string Site, JsonElement Detail)?> GetAsync(Guid id, CancellationToken cancellationToken = default) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var query = connection.Command("SELECT site, view, trail FROM edge_alerts WHERE id = $id;").With("$id", id.ToString());
            var rows = await query.ListAsync(r => (Site: r.GetString(0), View: r.GetString(1), Trail: r.IsDBNull(2) ? "[]" : r.GetString(2)), ct).ConfigureAwait(false);
            if (rows.Count == 0)
            {
                return ((string, JsonElement)?)null;
            }

            var (site, view, trail) = rows[0];
            var detail = JsonDocument.Parse($$"""{"alert":{{view}},"history":{{trail}}}""").RootElement.Clone();
            return (site, detail);
        }, cancellationToken);

    /// <summary>An edge's heartbeat: heard now, and how far its change log goes (<paramref name="head"/>).</summary>
    public Task HeardAsync(string edge, long head, DateTimeOffset receivedAt, CancellationToken cancellationToken) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var upsert = connection.Command("""
                INSERT INTO edges (edge, last_seq, last_sent_at, last_heard_at, applied, duplicates, head_seq) VALUES ($edge, 0, $heard, $heard, 0, 0, $head)
                ON CONFLICT(edge) DO UPDATE SET last_heard_at = MAX(last_heard_at, $heard), head_seq = MAX(head_seq, $head);
                """)
                .With("$edge", edge)
                .With("$head", head)
                .With("$heard", receivedAt.ToUnixTimeMilliseconds());
            await upsert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    public Task<IReadOnlyList<EdgeStatus>> EdgesAsync(CancellationToken cancellationToken = default) =>
        database.RunAsync<IReadOnlyList<EdgeStatus>>(async (connection, ct) =>
        {
            await using var query = connection.Command("SELECT edge, last_seq, last_sent_at, last_heard_at, applied, duplicates, head_seq FROM edges ORDER BY edge;");
            return await query.ListAsync(r => new EdgeStatus(r.GetString(0), r.GetInt64(1), SqliteCommands.Time(r.GetInt64(2)), SqliteCommands.Time(r.GetInt64(3)), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6)), ct).ConfigureAwait(false);
        }, cancellationToken);
}
