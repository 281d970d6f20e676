using System.Buffers;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Prometheus;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Metrics;
using RedProperty.Iot.Hub.Sites;
using RedProperty.Iot.Hub.Staff;
using RedProperty.Iot.Hub.Storage;

namespace RedProperty.Iot.Hub.Uplink;

/// <summary>
/// The edge's side of the centre's commands. A command is carried out only when the centre signed it, it names
/// this edge and a site this edge owns, it is not older than <c>Uplink:CommandsValidFor</c>, and the acting user's
/// rights at the centre pass this hub's own rules (an operator or supervisor whose sites cover the alert's). Each
/// command id is carried out once: what became of it is stored in <c>centre_commands</c> — for a done action in
/// the same transaction as the alert's change — before the broker's message is acknowledged, so a hub killed
/// half-way gets the command again and recognises it. The replies wait there until the district broker takes them.
/// </summary>
public sealed partial class CentreCommandInbox(
    IOptions<UplinkOptions> options, HubDatabase database, AlertStore store, AlertActions actions, SiteOwnership ownership, HubMetrics metrics, TimeProvider time,
    ILogger<CentreCommandInbox> logger) : IDisposable
{
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private readonly CentreCommandKey? _key = string.IsNullOrWhiteSpace(options.Value.CentreKeyFile) ? null : CentreCommandKey.LoadPublic(options.Value.CentreKeyFile);

    private readonly Counter _commands = Prometheus.Metrics.WithCustomRegistry(metrics.Registry).CreateCounter(
        "rp_hub_uplink_commands_total", "Commands from the district centre, by what became of them (done, forbidden, expired, not_found, not_allowed, note_required; duplicate; refused: signature, not_ours).", "outcome");

    /// <summary>Whether the edge takes commands at all (<c>Uplink:CentreKeyFile</c> is set).</summary>
    public bool Enabled => _key is not null;

    /// <summary>Reads, checks and carries out one command; returns once what became of it is stored (or it is refused).</summary>
    public async Task HandleAsync(string topic, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        var command = _key?.Open(payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray());
        if (command is null)
        {
            Count("signature");
            LogRefused(logger, topic, "not signed with the centre's key");
            return;
        }

        var topicSite = topic.Split('/') is [_, var site, "downlink", "commands"] ? site : null;
        if (command.Site != topicSite || command.Edge != options.Value.ClientId || !ownership.Owns(command.Site))
        {
            Count("not_ours");
            LogRefused(logger, topic, $"for edge '{command.Edge}' and site '{command.Site}'");
            return;
        }

        if (await IsKnownAsync(command.Id, cancellationToken).ConfigureAwait(false))
        {
            Count("duplicate");
            return;
        }

        var now = time.GetUtcNow();
        var (outcome, problem, seq) = await CarryOutAsync(command, now, cancellationToken).ConfigureAwait(false);
        if (outcome is not null)
        {
            await database.InTransactionAsync((transaction, ct) => RecordAsync(transaction, command, outcome, problem, seq, now, ct), cancellationToken).ConfigureAwait(false);
        }

        LogCarriedOut(logger, command.Action, command.AlertId, command.By, outcome ?? CentreCommandReply.Done, command.Id);
    }

    /// <summary>
    /// The outcome to record; null when the action was done and recorded with its change already.
    /// </summary>
    private async Task<(string? Outcome, string? Problem, long? Seq)> CarryOutAsync(CentreCommand command, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (now - command.IssuedAt > options.Value.CommandsValidFor || command.IssuedAt - now > ClockSkew)
        {
            Count("expired");
            return (CentreCommandReply.Expired, $"issued at {command.IssuedAt:O}, {(now - command.IssuedAt).TotalHours:0.#} h before it reached the edge (Uplink:CommandsValidFor is {options.Value.CommandsValidFor})", null);
        }

        if (!AlertActions.Names.Contains(command.Action))
        {
            Count("not_allowed");
            return (nameof(AlertActionOutcome.NotAllowed), $"unknown action '{command.Action}'", null);
        }

        if (await store.GetAsync(command.AlertId, cancellationToken).ConfigureAwait(false) is not { } found || found.Alert.Site != command.Site)
        {
            Count("not_found");
            return (nameof(AlertActionOutcome.NotFound), $"no alert {command.AlertId} at site '{command.Site}'", null);
        }

        // The same rules as for this hub's own staff: operator or supervisor, and the alert's site among theirs.
        var actor = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, command.By), new Claim(ClaimTypes.Role, command.Role), .. command.Sites.Select(s => new Claim(StaffClaims.Site, s))],
            "centre", ClaimTypes.Name, ClaimTypes.Role));
        if (!actor.IsAtLeast(StaffRole.Operator) || !actor.CanSee(found.Alert.Site))
        {
            Count("forbidden");
            return (CentreCommandReply.Forbidden, $"'{command.By}' ({command.Role}) may not act on site '{found.Alert.Site}'", null);
        }

        var recorded = false;
        var result = await actions.ApplyAsync(command.Action, command.AlertId, found.Alert.Site, command.By, command.Note, cancellationToken, async (transaction, committed, ct) =>
        {
            await RecordAsync(transaction, command, CentreCommandReply.Done, null, committed.Seq, time.GetUtcNow(), ct).ConfigureAwait(false);
            recorded = true;
        }).ConfigureAwait(false);
        Count(result.Outcome switch
        {
            AlertActionOutcome.Done => "done",
            AlertActionOutcome.NotFound => "not_found",
            AlertActionOutcome.NoteRequired => "note_required",
            _ => "not_allowed",
        });
        return recorded ? (null, null, null) : (result.Outcome.ToString(), result.Problem, result.Alert?.Seq);
    }

    private async Task<bool> IsKnownAsync(string id, CancellationToken cancellationToken) =>
        await database.RunAsync(async (connection, ct) =>
        {
            await using var query = connection.Command("SELECT 1 FROM centre_commands WHERE id = $id;").With("$id", id);
            return await query.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null;
        }, cancellationToken).ConfigureAwait(false);

    private static async Task RecordAsync(SqliteTransaction transaction, CentreCommand command, string outcome, string? problem, long? seq, DateTimeOffset at, CancellationToken ct)
    {
        await using var insert = transaction.Command("""
            INSERT INTO centre_commands (id, site, alert_id, action, by, outcome, problem, seq, received_at) VALUES ($id, $site, $alert, $action, $by, $outcome, $problem, $seq, $at)
            ON CONFLICT(id) DO NOTHING;
            """)
            .With("$id", command.Id)
            .With("$site", command.Site)
            .With("$alert", command.AlertId.ToString())
            .With("$action", command.Action)
            .With("$by", command.By)
            .With("$outcome", outcome)
            .With("$problem", problem)
            .With("$seq", seq)
            .With("$at", at.ToUnixTimeMilliseconds());
        await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The replies the district broker has not taken yet, oldest first.</summary>
    public Task<IReadOnlyList<CentreCommandReply>> UnrepliedAsync(int limit, CancellationToken cancellationToken) =>
        database.RunAsync<IReadOnlyList<CentreCommandReply>>(async (connection, ct) =>
        {
            await using var query = connection.Command("""
                SELECT id, site, alert_id, action, outcome, problem, seq, received_at FROM centre_commands WHERE replied_at IS NULL ORDER BY received_at LIMIT $limit;
                """).With("$limit", limit);
            return await query.ListAsync(r => new CentreCommandReply(
                r.GetString(0), options.Value.ClientId!, r.GetString(1), Guid.Parse(r.GetString(2)), r.GetString(3), r.GetString(4), r.StringOrNull(5),
                r.IsDBNull(6) ? null : r.GetInt64(6), SqliteCommands.Time(r.GetInt64(7))), ct).ConfigureAwait(false);
        }, cancellationToken);

    public Task MarkRepliedAsync(string id, CancellationToken cancellationToken) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var update = connection.Command("UPDATE centre_commands SET replied_at = $at WHERE id = $id;")
                .With("$id", id)
                .With("$at", time.GetUtcNow().ToUnixTimeMilliseconds());
            await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    public static byte[] ReplyBody(CentreCommandReply reply) => JsonSerializer.SerializeToUtf8Bytes(reply, CentreCommandJsonContext.Default.CentreCommandReply);

    public void Dispose() => _key?.Dispose();

    private void Count(string outcome) => _commands.WithLabels(outcome).Inc();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a command on {Topic}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Centre's {Action} of alert {Alert} by {By}: {Outcome} (command {Command})")]
    private static partial void LogCarriedOut(ILogger logger, string action, Guid alert, string by, string outcome, string command);
}
