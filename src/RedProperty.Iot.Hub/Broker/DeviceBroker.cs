using System.Collections.Concurrent;
using MQTTnet.Protocol;
using MQTTnet.Server;
using RedProperty.Iot.Contract;
using RedProperty.Iot.Hub.Ingestion;
using RedProperty.Iot.Hub.Operations;
using RedProperty.Iot.Registry;

namespace RedProperty.Iot.Hub.Broker;

/// <summary>
/// Connects the embedded MQTTnet broker to the hub: device logins, the per-device ACL and ingestion.
/// Handlers never throw into MQTTnet (that would drop the device's connection).
/// </summary>
public sealed partial class DeviceBroker(
    DeviceAuthenticator authenticator,
    ReportReaders readers,
    DeviceMessageIngestor ingestor,
    HubMetrics metrics,
    ILogger<DeviceBroker> logger)
{
    private const string DeviceItem = "rp.device";

    private const string ReaderItem = "rp.reader";

    // Client ids are global in a broker: one device must not be able to take over another's session.
    private readonly ConcurrentDictionary<string, string> _clientOwners = new(StringComparer.Ordinal);

    public void Attach(MqttServer server)
    {
        server.ValidatingConnectionAsync += ValidateConnectionAsync;
        server.InterceptingPublishAsync += InterceptPublishAsync;
        server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
        server.ClientConnectedAsync += OnClientConnectedAsync;
        server.ClientDisconnectedAsync += OnClientDisconnectedAsync;
    }

    private Task ValidateConnectionAsync(ValidatingConnectionEventArgs args)
    {
        if (readers.TryFind(args.UserName, out var reader))
        {
            if (!DeviceSecretHasher.Verify(args.Password ?? string.Empty, reader.SecretHash))
            {
                args.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
                metrics.ConnectionsRefused.WithLabels("wrong_secret").Inc();
                LogLoginRefused(logger, args.UserName, args.RemoteEndPoint?.ToString(), LoginOutcome.WrongSecret);
                return Task.CompletedTask;
            }

            if (IsTakenByAnother(args, reader.UserName))
            {
                return Task.CompletedTask;
            }

            args.SessionItems[ReaderItem] = reader;
            return Task.CompletedTask;
        }

        var outcome = authenticator.Authenticate(args.UserName, args.Password, out var device);
        if (outcome != LoginOutcome.Accepted)
        {
            args.ReasonCode = outcome == LoginOutcome.UnknownDevice ? MqttConnectReasonCode.NotAuthorized : MqttConnectReasonCode.BadUserNameOrPassword;
            metrics.ConnectionsRefused.WithLabels(outcome == LoginOutcome.UnknownDevice ? "unknown_device" : "wrong_secret").Inc();
            LogLoginRefused(logger, args.UserName, args.RemoteEndPoint?.ToString(), outcome);
            return Task.CompletedTask;
        }

        if (IsTakenByAnother(args, device.UserName))
        {
            return Task.CompletedTask;
        }

        args.SessionItems[DeviceItem] = device;
        return Task.CompletedTask;
    }

    private bool IsTakenByAnother(ValidatingConnectionEventArgs args, string userName)
    {
        if (_clientOwners.TryGetValue(args.ClientId, out var owner) && owner != userName)
        {
            args.ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid;
            metrics.ConnectionsRefused.WithLabels("client_id_in_use").Inc();
            LogClientIdTaken(logger, userName, args.ClientId, owner);
            return true;
        }

        return false;
    }

    private async Task InterceptPublishAsync(InterceptingPublishEventArgs args)
    {
        if (args.SessionItems?[ReaderItem] is ReportReader reader)
        {
            args.ProcessPublish = false;
            args.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            LogReaderPublishRefused(logger, reader.UserName, args.ApplicationMessage.Topic);
            return;
        }

        if (args.SessionItems?[DeviceItem] is not Device device)
        {
            return; // published by the hub itself
        }

        try
        {
            var message = args.ApplicationMessage;
            var acknowledged = message.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce;
            var result = await ingestor.IngestAsync(device, message.Topic, message.Payload, acknowledged, args.CancellationToken).ConfigureAwait(false);
            switch (result.Outcome)
            {
                case IngestOutcome.Accepted:
                    // Only the retained status goes on through the broker. No one may subscribe to another
                    // device's telemetry or events, so routing them would only cost a subscription match each.
                    args.ProcessPublish = message.Topic.EndsWith("/status", StringComparison.Ordinal);
                    break;
                case IngestOutcome.Rejected:
                    args.ProcessPublish = false;
                    args.Response.ReasonCode = ReasonCodeFor(result.Rejection.Reason);
                    args.Response.ReasonString = result.Rejection.ToString();
                    break;
                case IngestOutcome.NotDurable:
                    // Closing before the PUBACK makes the device send the message again after it reconnects.
                    args.ProcessPublish = false;
                    args.CloseConnection = true;
                    break;
            }
        }
        catch (OperationCanceledException) when (args.CancellationToken.IsCancellationRequested)
        {
            args.ProcessPublish = false;
            args.CloseConnection = true;
        }
        catch (Exception ex)
        {
            LogIngestFailed(logger, ex, device.UserName, args.ApplicationMessage.Topic);
            args.ProcessPublish = false;
            args.CloseConnection = true;
        }
    }

    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs args)
    {
        if (args.SessionItems?[ReaderItem] is ReportReader reader)
        {
            if (!reader.MaySubscribe(args.TopicFilter.Topic))
            {
                args.ProcessSubscription = false;
                args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
                metrics.SubscriptionsRefused.Inc();
                LogReaderSubscriptionRefused(logger, reader.UserName, args.TopicFilter.Topic);
            }

            return Task.CompletedTask;
        }

        if (args.SessionItems?[DeviceItem] is not Device device)
        {
            return Task.CompletedTask;
        }

        var own = DeviceTopic.Format(device.Site, device.Kind, device.Id, DeviceChannel.Cmd);
        if (args.TopicFilter.Topic != own)
        {
            args.ProcessSubscription = false;
            args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            metrics.SubscriptionsRefused.Inc();
            LogSubscriptionRefused(logger, device.UserName, args.TopicFilter.Topic, own);
        }

        return Task.CompletedTask;
    }

    private Task OnClientConnectedAsync(ClientConnectedEventArgs args)
    {
        if (args.SessionItems?[DeviceItem] is Device device)
        {
            _clientOwners[args.ClientId] = device.UserName;
        }
        else if (args.SessionItems?[ReaderItem] is ReportReader reader)
        {
            _clientOwners[args.ClientId] = reader.UserName;
        }

        metrics.ClientsConnected.Inc();
        return Task.CompletedTask;
    }

    private Task OnClientDisconnectedAsync(ClientDisconnectedEventArgs args)
    {
        if (args.DisconnectType != MqttClientDisconnectType.Takeover)
        {
            _clientOwners.TryRemove(args.ClientId, out _);
        }

        metrics.ClientsConnected.Dec();
        return Task.CompletedTask;
    }

    private static MqttPubAckReasonCode ReasonCodeFor(RejectionReason reason) => reason switch
    {
        RejectionReason.ForeignTopic or RejectionReason.CommandFromDevice => MqttPubAckReasonCode.NotAuthorized,
        RejectionReason.MalformedTopic or RejectionReason.InvalidSite or RejectionReason.InvalidDeviceId
            or RejectionReason.UnknownKind or RejectionReason.UnknownChannel => MqttPubAckReasonCode.TopicNameInvalid,
        _ => MqttPubAckReasonCode.PayloadFormatInvalid,
    };
}
