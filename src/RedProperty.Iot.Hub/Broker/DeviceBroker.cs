using System.Collections;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;
using RedProperty.Iot.Hub.Broker.Logins;
using RedProperty.Iot.Hub.Broker.Transport;
using RedProperty.Iot.Hub.Devices;
using RedProperty.Iot.Hub.Ingestion;
using RedProperty.Iot.Hub.Logging;
using RedProperty.Iot.Hub.Metrics;

namespace RedProperty.Iot.Hub.Broker;

/// <summary>
/// Connects the embedded MQTTnet broker to the hub: logins, the per-device ACL and ingestion.
/// A session's identity is set at every CONNECT from the credentials just verified, and a publish or
/// subscription is allowed only from a session whose identity is the connection's own; a session
/// stored under a client id is never resumed by anyone else. Handlers never throw into MQTTnet.
/// </summary>
public sealed partial class DeviceBroker(
    BrokerLogins logins,
    DeviceMessageIngestor ingestor,
    DeviceStates devices,
    HubMetrics metrics,
    ILogger<DeviceBroker> logger)
{
    private const string IdentityItem = "rp.identity";

    // The device's context, resolved once at login and kept with the session: no per-message lookup by name.
    private const string DeviceStateItem = "rp.device";

    // The connection's held acknowledgements (the current connection's: set at every CONNECT).
    private const string AcknowledgementsItem = "rp.acks";

    // Who each session on the broker (connected or stored) belongs to, by client id: client ids are
    // global in a broker, and a session must not change hands.
    private readonly ConcurrentDictionary<string, SessionOwner> _sessions = new(StringComparer.Ordinal);
    private readonly OncePerMinute _logGate = new();
    private MqttServer? _server;
    private volatile bool _stopping;

    private sealed record SessionOwner(string UserName, bool Connected);

    public void Attach(MqttServer server)
    {
        _server = server;
        server.ValidatingConnectionAsync += ValidateConnectionAsync;
        server.InterceptingPublishAsync += InterceptPublishAsync;
        server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
        server.ClientConnectedAsync += OnClientConnectedAsync;
        server.ClientDisconnectedAsync += OnClientDisconnectedAsync;
        server.SessionDeletedAsync += OnSessionDeletedAsync;
    }

    /// <summary>
    /// The broker is about to disconnect everyone because the hub stops. The last wills it publishes for
    /// them then say nothing about the devices ("offline" because the hub went away) and are not taken.
    /// </summary>
    public void Stopping() => _stopping = true;

    private async Task ValidateConnectionAsync(ValidatingConnectionEventArgs args)
    {
        var address = AddressOf(args.RemoteEndPoint);
        var verdict = await logins.CheckAsync(args.UserName, args.Password, address, args.CancellationToken).ConfigureAwait(false);
        if (verdict.Identity is not { } identity)
        {
            // One answer for an unknown user and a wrong secret; "busy" only when nothing was checked.
            args.ReasonCode = verdict.Outcome == LoginOutcome.Busy ? MqttConnectReasonCode.ServerBusy : MqttConnectReasonCode.BadUserNameOrPassword;
            var reason = verdict.Outcome switch
            {
                LoginOutcome.UnknownUser => "unknown_user",
                LoginOutcome.Throttled => "throttled",
                LoginOutcome.Busy => "busy",
                _ => "wrong_secret",
            };
            metrics.ConnectionsRefused.WithLabels(reason).Inc();
            if (_logGate.ShouldLog(reason, address?.ToString() ?? "unknown"))
            {
                LogLoginRefused(logger, LogText.Safe(args.UserName), address?.ToString(), reason);
            }

            return;
        }

        var clientId = args.ClientId;
        if (string.IsNullOrEmpty(clientId) && args.ProtocolVersion == MqttProtocolVersion.V500)
        {
            args.AssignedClientIdentifier = identity.UserName;
            clientId = identity.UserName;
        }

        if (!string.IsNullOrEmpty(clientId) && _sessions.TryGetValue(clientId, out var owner) && owner.UserName != identity.UserName)
        {
            if (owner.Connected)
            {
                // Taking the id over would disconnect the other device.
                args.ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid;
                metrics.ConnectionsRefused.WithLabels("client_id_in_use").Inc();
                LogClientIdTaken(logger, identity.UserName, LogText.Safe(clientId), owner.UserName);
                return;
            }

            await DiscardSessionAsync(clientId, owner.UserName, identity.UserName).ConfigureAwait(false);
        }

        args.SessionItems[IdentityItem] = identity;
        args.SessionItems[AcknowledgementsItem] = (args.ChannelAdapter as GuardedChannelAdapter)?.Acknowledgements;
        if (identity.Device is { } device)
        {
            args.SessionItems[DeviceStateItem] = devices.Get(device);
        }
    }

    /// <summary>
    /// A session another identity left under this client id is discarded rather than the login refused:
    /// otherwise whoever stored a session first under a device's usual client id would lock it out.
    /// </summary>
    private async Task DiscardSessionAsync(string clientId, string owner, string newcomer)
    {
        _sessions.TryRemove(clientId, out _);
        try
        {
            var session = await _server!.GetSessionAsync(clientId).ConfigureAwait(false);
            await session.DeleteAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        metrics.SessionsDiscarded.Inc();
        LogSessionDiscarded(logger, LogText.Safe(clientId), owner, newcomer);
    }

    internal async Task InterceptPublishAsync(InterceptingPublishEventArgs args)
    {
        if (ReferenceEquals(args.SessionItems, _server?.ServerSessionItems))
        {
            return; // published by the hub itself
        }

        // Every QoS 1/2 publish is either deferred (its acknowledgement waits for the journal) or answered now.
        var acknowledgements = args.ApplicationMessage.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce
            ? null
            : args.SessionItems[AcknowledgementsItem] as DeferredAcknowledgements;
        var deferred = false;
        try
        {
            deferred = await InterceptAsync(args, acknowledgements).ConfigureAwait(false);
        }
        finally
        {
            if (!deferred)
            {
                acknowledgements?.Answered();
            }
        }
    }

    /// <summary>Returns true when the publish's acknowledgement was left waiting for the journal.</summary>
    private async Task<bool> InterceptAsync(InterceptingPublishEventArgs args, DeferredAcknowledgements? acknowledgements)
    {

        var identity = IdentityOf(args.SessionItems, args.UserName);
        if (identity?.Device is not { } device)
        {
            args.ProcessPublish = false;
            args.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            if (identity is null)
            {
                args.CloseConnection = true;
                LogUnverifiedPublishRefused(logger, LogText.Safe(args.ClientId), LogText.Safe(args.UserName), LogText.Safe(args.ApplicationMessage.Topic));
            }
            else if (_logGate.ShouldLog("reader_publish", identity.UserName))
            {
                LogReaderPublishRefused(logger, identity.UserName, LogText.Safe(args.ApplicationMessage.Topic));
            }

            return false;
        }

        if (_stopping && args.ApplicationMessage.Topic.EndsWith("/status", StringComparison.Ordinal))
        {
            // Not acknowledged either: a status the device sent itself comes again when it reconnects.
            args.ProcessPublish = false;
            args.CloseConnection = true;
            return false;
        }

        try
        {
            var message = args.ApplicationMessage;
            var acknowledged = message.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce;
            var state = args.SessionItems[DeviceStateItem] is DeviceState kept && ReferenceEquals(kept.Device, device) ? kept : devices.Get(device);
            var result = await ingestor.IngestAsync(state, message.Topic, message.Payload, acknowledged, message.Dup, acknowledgements is not null, args.CancellationToken).ConfigureAwait(false);
            switch (result.Outcome)
            {
                case IngestOutcome.Accepted when acknowledged && acknowledgements is not null:
                    args.ProcessPublish = message.Topic.EndsWith("/status", StringComparison.Ordinal);
                    if (acknowledgements.Defer(result.Ticket))
                    {
                        return true;
                    }

                    // Not matched to a received publish (it should not happen): wait here, as without deferring.
                    if (!await result.Ticket.WaitDurableAsync(args.CancellationToken).ConfigureAwait(false))
                    {
                        args.ProcessPublish = false;
                        args.CloseConnection = true;
                    }

                    return true;
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
            LogIngestFailed(logger, ex, device.UserName, LogText.Safe(args.ApplicationMessage.Topic));
            args.ProcessPublish = false;
            args.CloseConnection = true;
        }

        return false;
    }

    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs args)
    {
        var identity = IdentityOf(args.SessionItems, args.UserName);
        var topic = args.TopicFilter.Topic;
        var allowed = identity switch
        {
            { Reader: { } reader } => reader.MaySubscribe(topic),
            { Device: { } device } => topic == DeviceTopic.Format(device.Site, device.Kind, device.Id, DeviceChannel.Cmd),
            _ => false,
        };
        if (!allowed)
        {
            args.ProcessSubscription = false;
            args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            args.CloseConnection = identity is null;
            metrics.SubscriptionsRefused.Inc();
            if (_logGate.ShouldLog("subscription", identity?.UserName ?? LogText.Safe(args.ClientId)))
            {
                LogSubscriptionRefused(logger, identity?.UserName ?? "(unverified)", LogText.Safe(topic));
            }
        }

        return Task.CompletedTask;
    }

    private async Task OnClientConnectedAsync(ClientConnectedEventArgs args)
    {
        metrics.ClientsConnected.Inc();
        if (IdentityOf(args.SessionItems, args.UserName) is { } identity)
        {
            _sessions[args.ClientId] = new SessionOwner(identity.UserName, Connected: true);
            return;
        }

        // Another identity's session was resumed after all (a race between two logins under one client id):
        // nothing from it may reach this connection, and the connection ends.
        LogForeignSessionResumed(logger, LogText.Safe(args.ClientId), LogText.Safe(args.UserName));
        metrics.SessionsDiscarded.Inc();
        _sessions.TryRemove(args.ClientId, out _);
        try
        {
            var session = await _server!.GetSessionAsync(args.ClientId).ConfigureAwait(false);
            await session.ClearApplicationMessagesQueueAsync().ConfigureAwait(false);
            await session.DeleteAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
        }
    }

    private Task OnClientDisconnectedAsync(ClientDisconnectedEventArgs args)
    {
        metrics.ClientsConnected.Dec();
        if (args.DisconnectType != MqttClientDisconnectType.Takeover
            && _sessions.TryGetValue(args.ClientId, out var owner)
            && IdentityOf(args.SessionItems, null) is { } identity && identity.UserName == owner.UserName)
        {
            _sessions.TryUpdate(args.ClientId, owner with { Connected = false }, owner);
        }

        return Task.CompletedTask;
    }

    private Task OnSessionDeletedAsync(SessionDeletedEventArgs args)
    {
        if (_sessions.TryGetValue(args.Id, out var owner) && !owner.Connected)
        {
            _sessions.TryRemove(new KeyValuePair<string, SessionOwner>(args.Id, owner));
        }

        return Task.CompletedTask;
    }

    /// <summary>The session's verified identity, if it is the connection's own (<paramref name="userName"/>, when given).</summary>
    internal static SessionIdentity? IdentityOf(IDictionary? items, string? userName) =>
        items?[IdentityItem] is SessionIdentity identity && (userName is null || identity.UserName == userName) ? identity : null;

    private static IPAddress? AddressOf(EndPoint? endPoint)
    {
        var address = (endPoint as IPEndPoint)?.Address;
        return address is { AddressFamily: AddressFamily.InterNetworkV6, IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
    }

    private static MqttPubAckReasonCode ReasonCodeFor(RejectionReason reason) => reason switch
    {
        RejectionReason.ForeignTopic or RejectionReason.CommandFromDevice => MqttPubAckReasonCode.NotAuthorized,
        RejectionReason.MalformedTopic or RejectionReason.InvalidSite or RejectionReason.InvalidDeviceId
            or RejectionReason.UnknownKind or RejectionReason.UnknownChannel => MqttPubAckReasonCode.TopicNameInvalid,
        _ => MqttPubAckReasonCode.PayloadFormatInvalid,
    };
}
