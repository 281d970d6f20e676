using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Protocol;
using RedProperty.Iot.Hub.Configuration;
using RedProperty.Iot.Hub.Ingestion;
using RedProperty.Iot.Hub.Reports;
using RedProperty.Iot.Hub.Sites;

namespace RedProperty.Iot.Hub.Broker;

/// <summary>
/// External broker mode: the hub is a client of the compound's (or district's) broker and consumes the
/// devices' topics of the sites it owns. Persistent session under a fixed client id, manual
/// acknowledgements: a QoS 1 message is acknowledged only once its record is in the ingest journal (fsynced),
/// so an instance that dies gets its unacknowledged messages again from the broker when it returns.
/// Device logins and per-device ACLs are the broker's job in this mode.
/// </summary>
public sealed partial class ExternalBrokerConsumer(
    MqttOptions options, SiteOwnership ownership, DeviceRegistry registry, DeviceMessageIngestor ingestor, ILogger<ExternalBrokerConsumer> logger) : BackgroundService, IReportPublisher
{
    // Each message's acknowledgement waits here until its point is durable; the loop that sends them is awaited at stop.
    private readonly Channel<PendingAcknowledgement> _acknowledgements = Channel.CreateUnbounded<PendingAcknowledgement>(new UnboundedChannelOptions { SingleReader = true });
    private IMqttClient? _client;

    public bool IsConnected => _client?.IsConnected == true;

    /// <summary>The hub's own messages go out over its consuming connection (the broker's ACL must allow the topic).</summary>
    public async Task<bool> TryPublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        if (_client is not { IsConnected: true } client)
        {
            return false;
        }

        try
        {
            var result = await client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                LogPublishRefused(logger, message.Topic, result.ReasonCode.ToString(), result.ReasonString);
            }

            return result.IsSuccess;
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var acknowledging = AcknowledgeLoopAsync(client, stoppingToken);
        try
        {
            await ConsumeAsync(client, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            _acknowledgements.Writer.TryComplete();
            await acknowledging.ConfigureAwait(false);
        }

        if (client.IsConnected)
        {
            // A clean DISCONNECT keeps the persistent session (and whatever is not acknowledged yet) on the broker.
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task ConsumeAsync(IMqttClient client, CancellationToken stoppingToken)
    {
        _client = client;
        client.ApplicationMessageReceivedAsync += e => OnMessageAsync(client, e, stoppingToken);
        var backoff = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!client.IsConnected)
                {
                    var result = await client.ConnectAsync(Options(), stoppingToken).ConfigureAwait(false);
                    if (result.ResultCode != MqttClientConnectResultCode.Success)
                    {
                        throw new InvalidOperationException($"the broker refused the hub's login: {result.ResultCode}");
                    }

                    // A resumed session keeps its subscriptions; subscribing again is harmless and covers a new Hub:Sites.
                    var subscribe = new MqttClientSubscribeOptionsBuilder();
                    foreach (var site in ownership.Owned)
                    {
                        subscribe = subscribe.WithTopicFilter($"{DeviceTopic.Root}/{site}/+/+/+", MqttQualityOfServiceLevel.AtLeastOnce);
                    }

                    if (ownership.Owned.Count > 0)
                    {
                        // None at a centre whose compounds all have edge hubs: it only publishes here.
                        await client.SubscribeAsync(subscribe.Build(), stoppingToken).ConfigureAwait(false);
                    }

                    LogConnected(logger, options.ExternalUrl!, options.ClientId!, result.IsSessionPresent, string.Join(", ", ownership.Owned));
                    backoff = TimeSpan.FromSeconds(1);
                }

                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Adapter.MqttConnectingFailedException or InvalidOperationException or OperationCanceledException)
            {
                LogUnreachable(logger, options.ExternalUrl!, e.Message, backoff.TotalSeconds);
                await Task.Delay(backoff, stoppingToken).ConfigureAwait(false);
                backoff = TimeSpan.FromSeconds(Math.Min(backoff.TotalSeconds * 2, 30));
            }
        }
    }

    private Task OnMessageAsync(IMqttClient client, MqttApplicationMessageReceivedEventArgs e, CancellationToken stoppingToken)
    {
        var message = e.ApplicationMessage;
        if (!DeviceTopic.TryParse(message.Topic, out var topic, out _)
            || !ownership.Owns(topic.Site)
            || !registry.SitesById.TryGetValue(topic.Site, out var site)
            || !site.Devices.TryGetValue(topic.DeviceId, out var device))
        {
            // Not a device of ours (the broker's ACLs let it through): nothing to keep.
            return Task.CompletedTask;
        }

        e.AutoAcknowledge = false;
        var acknowledged = message.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce;
        // Decoding and the rules run now, in order; the acknowledgement follows when the point is durable.
        var ingest = ingestor.IngestAsync(device, message.Topic, message.Payload, acknowledged, stoppingToken);
        _acknowledgements.Writer.TryWrite(new PendingAcknowledgement(e, ingest.AsTask(), device));
        return Task.CompletedTask;
    }

    /// <summary>Acknowledges messages in the order they came, each once its point is durable.</summary>
    private async Task AcknowledgeLoopAsync(IMqttClient client, CancellationToken stoppingToken)
    {
        await foreach (var pending in _acknowledgements.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            await AcknowledgeWhenDurableAsync(client, pending.Message, pending.Ingest, pending.Device, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task AcknowledgeWhenDurableAsync(IMqttClient client, MqttApplicationMessageReceivedEventArgs e, Task<IngestResult> ingest, Device device, CancellationToken stoppingToken)
    {
        try
        {
            var result = await ingest.ConfigureAwait(false);
            if (result.Outcome == IngestOutcome.NotDurable)
            {
                // The journal did not take it: leave it unacknowledged and reconnect, so the broker sends it again.
                LogNotDurable(logger, device.UserName);
                await client.DisconnectAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
                return;
            }

            await e.AcknowledgeAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: unacknowledged messages stay in the broker's session for the next start.
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
        {
            LogAckFailed(logger, device.UserName, ex.Message);
        }
    }

    private MqttClientOptions Options() => BrokerClient.PersistentSession(options.ExternalUrl!, options.ClientId!, options.Username, options.Password);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming from {Broker} as {ClientId} (session resumed: {Resumed}) for sites {Sites}")]
    private static partial void LogConnected(ILogger logger, string broker, string clientId, bool resumed, string sites);

    [LoggerMessage(Level = LogLevel.Warning, Message = "External broker {Broker} unreachable ({Reason}); retrying in {Seconds} s")]
    private static partial void LogUnreachable(ILogger logger, string broker, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A message of {Device} could not be made durable; it stays unacknowledged and comes again")]
    private static partial void LogNotDurable(ILogger logger, string device);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker refused the hub's message on {Topic}: {ReasonCode} {ReasonString}")]
    private static partial void LogPublishRefused(ILogger logger, string topic, string reasonCode, string? reasonString);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Acknowledging a message of {Device} failed: {Reason}")]
    private static partial void LogAckFailed(ILogger logger, string device, string reason);
}

internal readonly record struct PendingAcknowledgement(MqttApplicationMessageReceivedEventArgs Message, Task<IngestResult> Ingest, Device Device);
