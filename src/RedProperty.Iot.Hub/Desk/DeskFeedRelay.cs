using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.ChangeLog;
using RedProperty.Iot.Hub.Metrics;
using StackExchange.Redis;

namespace RedProperty.Iot.Hub.Desk;

public sealed record RelayedChange(long Seq, string Site, string Event, string Payload);

public sealed record RelayedChanges(string Origin, IReadOnlyList<RelayedChange> Changes);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RelayedChanges))]
internal sealed partial class DeskRelayJsonContext : JsonSerializerContext;

/// <summary>
/// Scale-out: each instance's committed changes, as its broadcaster sends them, for the desks connected to
/// the other instances (Redis channel <c>rp-desk:changes</c>, signed with <c>SignalR:CommandKey</c>). They go
/// into those desks' outboxes like local changes, so a slow desk on one instance holds up nobody there either.
/// </summary>
public sealed partial class DeskFeedRelay(IConnectionMultiplexer redis, IOptions<SignalROptions> options, HubMetrics metrics, ILogger<DeskFeedRelay> logger)
{
    private const string Purpose = "desk";
    private const int ChangesPerMessage = 500;
    private static readonly RedisChannel Changes = RedisChannel.Literal("rp-desk:changes");
    private readonly string _origin = Guid.NewGuid().ToString("N");
    private readonly AlertCommandSigner _signer = new(options.Value.CommandKeyBytes);

    /// <summary>Delivers the other instances' changes, one message at a time, in the order they were published.</summary>
    public async Task SubscribeAsync(Action<IReadOnlyList<DeskChange>> deliver)
    {
        var queue = await redis.GetSubscriber().SubscribeAsync(Changes).ConfigureAwait(false);
        queue.OnMessage(message =>
        {
            if ((string?)message.Message is not { } text || _signer.Open(Purpose, text) is not { } body)
            {
                metrics.ScaleOutRefused.WithLabels(Purpose, "signature").Inc();
                LogRefused(logger);
                return;
            }

            var relayed = JsonSerializer.Deserialize(body, DeskRelayJsonContext.Default.RelayedChanges);
            if (relayed is not null && relayed.Origin != _origin)
            {
                deliver([.. relayed.Changes.Select(c => DeskChange.Read(c.Seq, c.Site, c.Event, c.Payload)).OfType<DeskChange>()]);
            }
        });
    }

    public void Publish(IReadOnlyList<DeskChange> changes)
    {
        foreach (var chunk in changes.Chunk(ChangesPerMessage))
        {
            var body = JsonSerializer.Serialize(new RelayedChanges(_origin, [.. chunk.Select(c => new RelayedChange(c.Seq, c.Site, c.Event, c.Payload))]), DeskRelayJsonContext.Default.RelayedChanges);
            redis.GetSubscriber().Publish(Changes, _signer.Seal(Purpose, body), CommandFlags.FireAndForget);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused desk changes from Redis that are not signed with SignalR:CommandKey")]
    private static partial void LogRefused(ILogger logger);
}
