using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using RedProperty.Iot.Alerts;
using RedProperty.Iot.Hub.Alerts.Storage;
using StackExchange.Redis;

namespace RedProperty.Iot.Hub.Alerts;

public sealed record AlertCommand(string RequestId, string ReplyTo, string Action, Guid AlertId, string By, string? Note, IReadOnlyList<string> Sites);

public sealed record AlertCommandReply(string RequestId, string Outcome, string? Problem, AlertView? Alert, AlertDetailView? Detail);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AlertCommand))]
[JsonSerializable(typeof(AlertCommandReply))]
internal sealed partial class AlertCommandJsonContext : JsonSerializerContext;

/// <summary>
/// Operator actions on alerts another hub instance owns (scale-out with a Redis backplane): the request
/// goes out on a Redis channel, the instance whose store holds the alert carries it out — checking the
/// operator's sites — and answers. Each alert stays in exactly one store.
/// </summary>
public sealed partial class AlertCommandBus(IConnectionMultiplexer redis, AlertService alerts, SqliteAlertStore store, EscalationPolicy policy, ILogger<AlertCommandBus> logger) : BackgroundService
{
    private static readonly RedisChannel Requests = RedisChannel.Literal("rp-alerts:commands");
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(5);
    private readonly string _replies = $"rp-alerts:replies:{Guid.NewGuid():N}";
    private readonly ConcurrentDictionary<string, TaskCompletionSource<AlertCommandReply>> _waiting = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscriber = redis.GetSubscriber();
        await subscriber.SubscribeAsync(RedisChannel.Literal(_replies), (_, value) =>
        {
            var reply = JsonSerializer.Deserialize((string)value!, AlertCommandJsonContext.Default.AlertCommandReply);
            if (reply is not null && _waiting.TryRemove(reply.RequestId, out var waiting))
            {
                waiting.TrySetResult(reply);
            }
        }).ConfigureAwait(false);
        var queue = await subscriber.SubscribeAsync(Requests).ConfigureAwait(false);
        queue.OnMessage(async message =>
        {
            var command = JsonSerializer.Deserialize((string)message.Message!, AlertCommandJsonContext.Default.AlertCommand);
            if (command is not null)
            {
                await HandleAsync(command, stoppingToken).ConfigureAwait(false);
            }
        });
        await Task.Delay(Timeout.Infinite, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
    }

    /// <summary>Asks the instance holding the alert; null when none answers (no such alert anywhere).</summary>
    public async Task<AlertCommandReply?> SendAsync(string action, Guid alertId, string by, string? note, IReadOnlyList<string> sites, CancellationToken cancellationToken)
    {
        var command = new AlertCommand(Guid.NewGuid().ToString("N"), _replies, action, alertId, by, note, sites);
        var waiting = new TaskCompletionSource<AlertCommandReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[command.RequestId] = waiting;
        try
        {
            await redis.GetSubscriber().PublishAsync(Requests, JsonSerializer.Serialize(command, AlertCommandJsonContext.Default.AlertCommand)).ConfigureAwait(false);
            return await waiting.Task.WaitAsync(ReplyTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }
        finally
        {
            _waiting.TryRemove(command.RequestId, out _);
        }
    }

    private async Task HandleAsync(AlertCommand command, CancellationToken cancellationToken)
    {
        try
        {
            // Only the instance whose store has the alert answers.
            if (await store.GetAsync(command.AlertId, cancellationToken).ConfigureAwait(false) is not { } found)
            {
                return;
            }

            AlertCommandReply reply;
            if (!command.Sites.Contains(found.Alert.Site))
            {
                reply = new AlertCommandReply(command.RequestId, "Forbidden", $"site '{found.Alert.Site}'", null, null);
            }
            else if (command.Action == "get")
            {
                reply = new AlertCommandReply(command.RequestId, "Done", null, null, AlertDetailView.From(found.Alert, found.Seq, policy, alerts.EvidenceOf(found.Alert.Id)));
            }
            else
            {
                var result = command.Action == "ack"
                    ? await alerts.AcknowledgeAsync(command.AlertId, command.By, command.Note, cancellationToken).ConfigureAwait(false)
                    : await alerts.ResolveAsync(command.AlertId, command.By, command.Note, cancellationToken).ConfigureAwait(false);
                reply = new AlertCommandReply(command.RequestId, result.Outcome.ToString(), result.Problem, result.Alert, null);
            }

            LogHandled(logger, command.Action, command.AlertId, reply.Outcome);
            await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(command.ReplyTo), JsonSerializer.Serialize(reply, AlertCommandJsonContext.Default.AlertCommandReply)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or InvalidOperationException)
        {
            LogFailed(logger, e, command.Action, command.AlertId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Forwarded {Action} of alert {Alert}: {Outcome}")]
    private static partial void LogHandled(ILogger logger, string action, Guid alert, string outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "Forwarded {Action} of alert {Alert} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string action, Guid alert);
}
