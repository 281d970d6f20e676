using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Metrics;
using RedProperty.Iot.Hub.Storage;
using RedProperty.Iot.Hub.Views;
using StackExchange.Redis;

namespace RedProperty.Iot.Hub.Desk;

/// <summary>An operator's action on an alert another instance owns, in the name of <see cref="By"/>, who may see <see cref="Sites"/>.</summary>
public sealed record AlertCommand(string RequestId, string ReplyTo, string Action, Guid AlertId, string By, string? Note, IReadOnlyList<string> Sites, DateTimeOffset IssuedAt);

public sealed record AlertCommandReply(string RequestId, string Outcome, string? Problem, AlertView? Alert, AlertDetailView? Detail, DateTimeOffset IssuedAt);

/// <summary>What goes over Redis: the serialized command or reply and its HMAC-SHA256 with the instances' shared key.</summary>
public sealed record SignedMessage(string Body, string Mac);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AlertCommand))]
[JsonSerializable(typeof(AlertCommandReply))]
[JsonSerializable(typeof(SignedMessage))]
internal sealed partial class AlertCommandJsonContext : JsonSerializerContext;

/// <summary>
/// Signs and checks the messages between instances: HMAC-SHA256 with <c>SignalR:CommandKey</c> over
/// <c>rp-alerts:{purpose}\n{body}</c>, so a reply can never pass for a command or the other way round.
/// </summary>
public sealed class AlertCommandSigner(byte[] key)
{
    public string Seal(string purpose, string body) =>
        JsonSerializer.Serialize(new SignedMessage(body, Convert.ToBase64String(Mac(purpose, body))), AlertCommandJsonContext.Default.SignedMessage);

    /// <summary>The body when <paramref name="message"/> is a signed message for <paramref name="purpose"/> with the right key; otherwise null.</summary>
    public string? Open(string purpose, string message)
    {
        SignedMessage? signed;
        try
        {
            signed = JsonSerializer.Deserialize(message, AlertCommandJsonContext.Default.SignedMessage);
        }
        catch (JsonException)
        {
            return null;
        }

        if (signed is not { Body: { } body, Mac: { } mac })
        {
            return null;
        }

        var given = new byte[32];
        return Convert.TryFromBase64String(mac, given, out var length) && length == given.Length
            && CryptographicOperations.FixedTimeEquals(given, Mac(purpose, body))
            ? body
            : null;
    }

    private byte[] Mac(string purpose, string body) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"rp-alerts:{purpose}\n{body}"));
}

/// <summary>
/// Operator actions on alerts another hub instance owns (scale-out with a Redis backplane): the request
/// goes out on a Redis channel, the instance whose store holds the alert carries it out — checking the
/// operator's sites — and answers. Each alert stays in exactly one store. Requests and replies are signed
/// with the instances' shared key, carry the time they were issued and a request id: anything unsigned,
/// wrongly signed, older than <see cref="FreshFor"/> or seen before is refused and counted
/// (<c>rp_hub_scaleout_messages_refused_total</c>).
/// </summary>
public sealed partial class AlertCommandBus : BackgroundService
{
    /// <summary>How far a command's or reply's time may be from this instance's clock (both ways: clocks differ a little).</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(30);

    private const string CommandPurpose = "command";
    private const string ReplyPurpose = "reply";
    private static readonly RedisChannel Requests = RedisChannel.Literal("rp-alerts:commands");
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(5);
    private readonly string _replies = $"rp-alerts:replies:{Guid.NewGuid():N}";
    private readonly ConcurrentDictionary<string, TaskCompletionSource<AlertCommandReply>> _waiting = new();

    // Request ids seen, until their command is too old to be accepted anyway.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly IConnectionMultiplexer _redis;
    private readonly AlertService _alerts;
    private readonly AlertStore _store;
    private readonly AlertActions _actions;
    private readonly AlertCommandSigner _signer;
    private readonly TimeProvider _time;
    private readonly HubMetrics _metrics;
    private readonly ILogger<AlertCommandBus> _logger;

    public AlertCommandBus(
        IConnectionMultiplexer redis, AlertService alerts, AlertStore store, AlertActions actions, IOptions<SignalROptions> options, TimeProvider time, HubMetrics metrics, ILogger<AlertCommandBus> logger)
    {
        _redis = redis;
        _alerts = alerts;
        _store = store;
        _actions = actions;
        _signer = new AlertCommandSigner(options.Value.CommandKeyBytes);
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscriber = _redis.GetSubscriber();
        await subscriber.SubscribeAsync(RedisChannel.Literal(_replies), (_, value) =>
        {
            if (Accept(ReplyPurpose, (string?)value, AlertCommandJsonContext.Default.AlertCommandReply, r => r.IssuedAt) is { } reply
                && _waiting.TryRemove(reply.RequestId, out var waiting))
            {
                waiting.TrySetResult(reply);
            }
        }).ConfigureAwait(false);
        var queue = await subscriber.SubscribeAsync(Requests).ConfigureAwait(false);
        queue.OnMessage(async message =>
        {
            if (Accept(CommandPurpose, (string?)message.Message, AlertCommandJsonContext.Default.AlertCommand, c => c.IssuedAt) is { } command
                && IsKnown(command) && IsFirst(command))
            {
                await HandleAsync(command, stoppingToken).ConfigureAwait(false);
            }
        });
        await Task.Delay(Timeout.Infinite, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
    }

    /// <summary>Asks the instance holding the alert; null when none answers (no such alert anywhere).</summary>
    public async Task<AlertCommandReply?> SendAsync(string action, Guid alertId, string by, string? note, IReadOnlyList<string> sites, CancellationToken cancellationToken)
    {
        var command = new AlertCommand(Guid.NewGuid().ToString("N"), _replies, action, alertId, by, note, sites, _time.GetUtcNow());
        var waiting = new TaskCompletionSource<AlertCommandReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[command.RequestId] = waiting;
        try
        {
            var sealedCommand = _signer.Seal(CommandPurpose, JsonSerializer.Serialize(command, AlertCommandJsonContext.Default.AlertCommand));
            await _redis.GetSubscriber().PublishAsync(Requests, sealedCommand).ConfigureAwait(false);
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

    /// <summary>The message's content when it is signed with the shared key and fresh; otherwise null, counted and logged.</summary>
    private T? Accept<T>(string purpose, string? message, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, Func<T, DateTimeOffset> issuedAt)
        where T : class
    {
        if (message is null || _signer.Open(purpose, message) is not { } body)
        {
            return Refuse<T>(purpose, "signature");
        }

        T? content;
        try
        {
            content = JsonSerializer.Deserialize(body, type);
        }
        catch (JsonException)
        {
            content = null;
        }

        if (content is null)
        {
            return Refuse<T>(purpose, "malformed");
        }

        var age = _time.GetUtcNow() - issuedAt(content);
        return age.Duration() > FreshFor ? Refuse<T>(purpose, "expired") : content;
    }

    private bool IsKnown(AlertCommand command)
    {
        if ((command.Action == "get" || AlertActions.Names.Contains(command.Action)) && command.Sites is not null && command.By is { Length: > 0 })
        {
            return true;
        }

        Refuse<AlertCommand>(CommandPurpose, "malformed");
        return false;
    }

    /// <summary>Whether this request id is new; remembers it until its command would be refused as expired anyway.</summary>
    private bool IsFirst(AlertCommand command)
    {
        var now = _time.GetUtcNow();
        foreach (var (id, until) in _seen)
        {
            if (until < now)
            {
                _seen.TryRemove(id, out _);
            }
        }

        if (!_seen.TryAdd(command.RequestId, command.IssuedAt + FreshFor))
        {
            Refuse<AlertCommand>(CommandPurpose, "replayed");
            return false;
        }

        return true;
    }

    private T? Refuse<T>(string purpose, string reason)
        where T : class
    {
        _metrics.ScaleOutRefused.WithLabels(purpose, reason).Inc();
        LogRefused(_logger, purpose, reason);
        return null;
    }

    private async Task HandleAsync(AlertCommand command, CancellationToken cancellationToken)
    {
        try
        {
            // Only the instance whose store has the alert answers.
            if (await _store.GetAsync(command.AlertId, cancellationToken).ConfigureAwait(false) is not { } found)
            {
                return;
            }

            AlertCommandReply reply;
            if (!command.Sites.Contains(found.Alert.Site))
            {
                reply = new AlertCommandReply(command.RequestId, "Forbidden", $"site '{found.Alert.Site}'", null, null, _time.GetUtcNow());
            }
            else if (command.Action == "get")
            {
                reply = new AlertCommandReply(command.RequestId, "Done", null, null, _alerts.DetailOf(found.Alert, found.Seq), _time.GetUtcNow());
            }
            else
            {
                var result = await _actions.ApplyAsync(command.Action, command.AlertId, found.Alert.Site, command.By, command.Note, cancellationToken).ConfigureAwait(false);
                reply = new AlertCommandReply(command.RequestId, result.Outcome.ToString(), result.Problem, result.Alert, null, _time.GetUtcNow());
            }

            LogHandled(_logger, command.Action, command.AlertId, command.By, reply.Outcome);
            var sealedReply = _signer.Seal(ReplyPurpose, JsonSerializer.Serialize(reply, AlertCommandJsonContext.Default.AlertCommandReply));
            await _redis.GetSubscriber().PublishAsync(RedisChannel.Literal(command.ReplyTo), sealedReply).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or InvalidOperationException)
        {
            LogFailed(_logger, e, command.Action, command.AlertId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Forwarded {Action} of alert {Alert} by {By}: {Outcome}")]
    private static partial void LogHandled(ILogger logger, string action, Guid alert, string by, string outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "Forwarded {Action} of alert {Alert} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string action, Guid alert);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a forwarded alert {Purpose} from Redis: {Reason} (check SignalR:CommandKey on every instance, their clocks, and who can publish on Redis)")]
    private static partial void LogRefused(ILogger logger, string purpose, string reason);
}
