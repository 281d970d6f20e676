using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using Prometheus;
using RedProperty.Iot.Hub.ChangeLog;
using RedProperty.Iot.Hub.Configuration;
using RedProperty.Iot.Hub.Metrics;
using RedProperty.Iot.Hub.Staff;
using RedProperty.Iot.Hub.Storage;
using RedProperty.Iot.Hub.Uplink;
using RedProperty.Iot.Hub.Views;

namespace RedProperty.Iot.Hub.Centre;

/// <summary>What became of an action sent down, as the centre's REST answers it: still pending, or the edge's outcome.</summary>
public sealed record EdgeCommandAnswer(EdgeCommandView Command, long? Seq);

/// <summary>
/// The centre's actions on the edges' alerts, sent down as signed commands (<see cref="CentreCommand"/>) on
/// <c>rp/{site}/downlink/commands</c>: stored first (<c>edge_commands</c>, the outbox) and shown on the desks as
/// pending, then published — again every <see cref="ResendEvery"/> while the edge has not answered, since a
/// district broker that restarted may have lost the edge's queue; the edge carries each id out once — until the
/// edge's reply comes up (<c>rp/{site}/uplink/replies</c>) or <c>Centre:CommandsValidFor</c> passes.
/// </summary>
public sealed partial class EdgeCommands : IDisposable
{
    public static readonly TimeSpan ResendEvery = TimeSpan.FromSeconds(15);

    private readonly IOptions<CentreOptions> _options;
    private readonly HubDatabase _database;
    private readonly EdgeStore _store;
    private readonly EdgeAlertsLive _live;
    private readonly DeskChangeFeed _feed;
    private readonly TimeProvider _time;
    private readonly ILogger<EdgeCommands> _logger;
    private readonly CentreCommandKey _key;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<EdgeCommandAnswer>> _waiting = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _work = new(0);
    private readonly Counter _commands;

    public EdgeCommands(
        IOptions<CentreOptions> options, IOptions<HubOptions> hub, HubDatabase database, EdgeStore store, EdgeAlertsLive live, DeskChangeFeed feed, HubMetrics metrics, TimeProvider time,
        ILogger<EdgeCommands> logger)
    {
        _options = options;
        _database = database;
        _store = store;
        _live = live;
        _feed = feed;
        _time = time;
        _logger = logger;
        _key = CentreCommandKey.LoadOrCreate(hub.Value.DataDir);
        _commands = Prometheus.Metrics.WithCustomRegistry(metrics.Registry).CreateCounter(
            "rp_hub_centre_commands_total", "Actions on edge alerts sent down by the centre, by what became of them (sent, done, refused, expired).", "outcome");
        LogKey(logger, Path.GetFullPath(Path.Combine(hub.Value.DataDir, CentreCommandKey.PublicFileName)));
    }

    /// <summary>
    /// Stores the action of <paramref name="user"/> as a pending command for the alert's edge and shows it on the
    /// desks; it goes down with the next send.
    /// </summary>
    public async Task<EdgeCommandView> SubmitAsync(ClaimsPrincipal user, string action, Guid alertId, string site, string? note, CancellationToken cancellationToken)
    {
        var edge = _options.Value.EdgeOf(site) ?? throw new InvalidOperationException($"no edge owns site '{site}'");
        var command = new CentreCommand(
            Guid.NewGuid().ToString("N"), edge, site, alertId, action, user.Identity!.Name!, StaffClaims.RoleOf(user)?.ToWire() ?? "viewer",
            StaffClaims.SitesOf(user) is { } sites ? [.. sites.Order(StringComparer.Ordinal)] : [StaffAccount.AllSites], note, _time.GetUtcNow());
        var message = _key.Seal(command);
        _waiting[command.Id] = new TaskCompletionSource<EdgeCommandAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shown = await _database.InTransactionAsync(async (transaction, ct) =>
        {
            await using var insert = transaction.Command("""
                INSERT INTO edge_commands (id, edge, site, alert_id, action, by, note, issued_at, message, state) VALUES ($id, $edge, $site, $alert, $action, $by, $note, $issued, $message, 'pending');
                """)
                .With("$id", command.Id)
                .With("$edge", edge)
                .With("$site", site)
                .With("$alert", alertId.ToString())
                .With("$action", action)
                .With("$by", command.By)
                .With("$note", note)
                .With("$issued", command.IssuedAt.ToUnixTimeMilliseconds())
                .With("$message", message);
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return await _store.ReshowAsync(transaction, alertId, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        Show(shown);
        _work.Release();
        LogSubmitted(_logger, action, alertId, command.By, edge, command.Id);
        return new EdgeCommandView(command.Id, action, command.By, command.IssuedAt, "pending");
    }

    /// <summary>The edge's answer if it comes within <paramref name="within"/>; null while it is still pending.</summary>
    public async Task<EdgeCommandAnswer?> AnswerAsync(string id, TimeSpan within, CancellationToken cancellationToken)
    {
        if (!_waiting.TryGetValue(id, out var waiting))
        {
            return null;
        }

        try
        {
            return await waiting.Task.WaitAsync(within, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }
        finally
        {
            _waiting.TryRemove(id, out _);
        }
    }

    /// <summary>Waits until a command was submitted or <paramref name="timeout"/> passed (the sender's cadence).</summary>
    public Task WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken) => _work.WaitAsync(timeout, cancellationToken);

    /// <summary>Publishes each pending command not sent in the last <see cref="ResendEvery"/>; expires those past <c>Centre:CommandsValidFor</c>.</summary>
    public async Task SendDueAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        await ExpireAsync(now, cancellationToken).ConfigureAwait(false);
        var due = await _database.RunAsync<IReadOnlyList<(string Id, string Site, byte[] Message)>>(async (connection, ct) =>
        {
            await using var query = connection.Command("""
                SELECT id, site, message FROM edge_commands WHERE state = 'pending' AND (sent_at IS NULL OR sent_at <= $resend) ORDER BY issued_at LIMIT 200;
                """).With("$resend", (now - ResendEvery).ToUnixTimeMilliseconds());
            return await query.ListAsync(r => (r.GetString(0), r.GetString(1), (byte[])r.GetValue(2)), ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        foreach (var (id, site, message) in due)
        {
            var result = await client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(CentreCommand.Topic(site))
                .WithPayload(message)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithContentType("application/json")
                .Build(), cancellationToken).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                throw new InvalidOperationException($"the district broker did not take command {id}: {result.ReasonCode} {result.ReasonString}");
            }

            _commands.WithLabels("sent").Inc();
            await _database.RunAsync(async (connection, ct) =>
            {
                await using var update = connection.Command("UPDATE edge_commands SET sent_at = $at WHERE id = $id;").With("$id", id).With("$at", _time.GetUtcNow().ToUnixTimeMilliseconds());
                await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Takes an edge's reply (its edge and site already checked): the command is done or refused, shown so on the desks.</summary>
    public async Task TakeReplyAsync(CentreCommandReply reply, CancellationToken cancellationToken)
    {
        var state = reply.Outcome == CentreCommandReply.Done ? "done" : "refused";
        var answered = await AnswerAsync(reply.Id, reply.Edge, reply.Site, state, reply.Outcome, reply.Problem, cancellationToken).ConfigureAwait(false);
        if (answered is null)
        {
            // Answered before (a reply sent twice), or not one of this centre's commands.
            return;
        }

        _commands.WithLabels(state).Inc();
        LogAnswered(_logger, answered.Action, reply.AlertId, reply.Edge, reply.Outcome, reply.Id);
        if (_waiting.TryGetValue(reply.Id, out var waiting))
        {
            waiting.TrySetResult(new EdgeCommandAnswer(answered, reply.Seq));
        }
    }

    private async Task ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stale = await _database.RunAsync<IReadOnlyList<(string Id, string Edge, string Site)>>(async (connection, ct) =>
        {
            await using var query = connection.Command("SELECT id, edge, site FROM edge_commands WHERE state = 'pending' AND issued_at < $before;")
                .With("$before", (now - _options.Value.CommandsValidFor).ToUnixTimeMilliseconds());
            return await query.ListAsync(r => (r.GetString(0), r.GetString(1), r.GetString(2)), ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        foreach (var (id, edge, site) in stale)
        {
            if (await AnswerAsync(id, edge, site, "refused", CentreCommandReply.Expired, $"edge '{edge}' did not answer within {_options.Value.CommandsValidFor}", cancellationToken).ConfigureAwait(false) is { } expired)
            {
                _commands.WithLabels("expired").Inc();
                _waiting.TryGetValue(id, out var waiting);
                waiting?.TrySetResult(new EdgeCommandAnswer(expired, null));
            }
        }
    }

    /// <summary>Moves a pending command of that edge and site to its answer and shows the alert again; null when it was not pending.</summary>
    private async Task<EdgeCommandView?> AnswerAsync(string id, string edge, string site, string state, string outcome, string? problem, CancellationToken cancellationToken)
    {
        var (answered, shown) = await _database.InTransactionAsync(async (transaction, ct) =>
        {
            await using var update = transaction.Command("""
                UPDATE edge_commands SET state = $state, outcome = $outcome, problem = $problem, answered_at = $at
                WHERE id = $id AND edge = $edge AND site = $site AND state = 'pending'
                RETURNING alert_id, action, by, issued_at;
                """)
                .With("$id", id)
                .With("$edge", edge)
                .With("$site", site)
                .With("$state", state)
                .With("$outcome", outcome)
                .With("$problem", problem)
                .With("$at", _time.GetUtcNow().ToUnixTimeMilliseconds());
            var rows = await update.ListAsync(r => (Alert: Guid.Parse(r.GetString(0)), Action: r.GetString(1), By: r.GetString(2), IssuedAt: SqliteCommands.Time(r.GetInt64(3))), ct).ConfigureAwait(false);
            if (rows.Count == 0)
            {
                return ((EdgeCommandView?)null, (DeskChange.AlertChanged?)null);
            }

            var row = rows[0];
            return (new EdgeCommandView(id, row.Action, row.By, row.IssuedAt, state, outcome, problem), await _store.ReshowAsync(transaction, row.Alert, ct).ConfigureAwait(false));
        }, cancellationToken).ConfigureAwait(false);
        Show(shown);
        return answered;
    }

    private void Show(DeskChange.AlertChanged? shown)
    {
        if (shown is not null)
        {
            _live.Show(shown.Alert);
            _feed.Publish(shown);
        }
    }

    public void Dispose()
    {
        _key.Dispose();
        _work.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Edges take the centre's commands with its public key {Path} as their Uplink:CentreKeyFile")]
    private static partial void LogKey(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Action} of alert {Alert} by {By} goes down to edge {Edge} (command {Command})")]
    private static partial void LogSubmitted(ILogger logger, string action, Guid alert, string by, string edge, string command);

    [LoggerMessage(Level = LogLevel.Information, Message = "Edge {Edge} answered {Action} of alert {Alert}: {Outcome} (command {Command})")]
    private static partial void LogAnswered(ILogger logger, string action, Guid alert, string edge, string outcome, string command);
}
