using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace RedProperty.Iot.Hub.Broker.Transport;

/// <summary>
/// MQTTnet's view of one connection, with the hub's rules for its first packet: the client's keep-alive
/// is bounded, an MQTT 3.1.1 client with an empty client id and a clean session is given its user name
/// as client id (MQTT 5 clients get it as the Assigned Client Identifier at login), and a successful
/// CONNACK tells MQTT 5 clients the packet size, receive maximum and keep-alive the hub holds them to.
/// </summary>
public sealed class GuardedChannelAdapter(IMqttChannelAdapter inner, GuardedConnection connection, MqttLimitsOptions limits) : IMqttChannelAdapter
{
    private ushort _serverKeepAlive;

    /// <summary>Acknowledgements held until the journal has the message (see <see cref="DeferredAcknowledgements"/>).</summary>
    public DeferredAcknowledgements Acknowledgements { get; } = new(limits.MaxInflightPerClient);

    public long BytesReceived => inner.BytesReceived;

    public long BytesSent => inner.BytesSent;

    public X509Certificate2 ClientCertificate => inner.ClientCertificate;

    public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

    public EndPoint LocalEndPoint => inner.LocalEndPoint;

    public bool IsSecureConnection => inner.IsSecureConnection;

    public MqttPacketFormatterAdapter PacketFormatterAdapter => inner.PacketFormatterAdapter;

    public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

    public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

    public async Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken)
    {
        MqttPacket packet;
        try
        {
            packet = await inner.ReceivePacketAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MqttProtocolViolationException)
        {
            connection.Close(ConnectionCloseReason.MalformedPacket);
            throw;
        }

        if (!connection.ConnectReceived && packet is MqttConnectPacket connect)
        {
            OnConnect(connect);
        }
        else if (packet is MqttPublishPacket { QualityOfServiceLevel: not MqttQualityOfServiceLevel.AtMostOnce } publish
            && !Acknowledgements.Received(publish.PacketIdentifier))
        {
            // More unacknowledged publishes than the Receive Maximum the CONNACK gave: the client ignores it.
            connection.Close(ConnectionCloseReason.ReceiveMaximumExceeded);
        }

        return packet;
    }

    public Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken)
    {
        switch (packet)
        {
            case MqttPubAckPacket pubAck:
                return SendWhenDurableAsync(pubAck, pubAck.PacketIdentifier, cancellationToken);
            case MqttPubRecPacket pubRec:
                return SendWhenDurableAsync(pubRec, pubRec.PacketIdentifier, cancellationToken);
        }

        if (packet is MqttConnAckPacket { ReasonCode: MqttConnectReasonCode.Success } connAck)
        {
            connAck.MaximumPacketSize = (uint)limits.MaxPacketBytes;
            connAck.ReceiveMaximum = (ushort)limits.MaxInflightPerClient;
            connAck.ServerKeepAlive = _serverKeepAlive;
            if (inner.PacketFormatterAdapter.ProtocolVersion == MqttProtocolVersion.V500)
            {
                connection.LoggedIn((reason, ct) => inner.SendPacketAsync(new MqttDisconnectPacket { ReasonCode = reason }, ct));
            }
        }

        return inner.SendPacketAsync(packet, cancellationToken);
    }

    /// <summary>Sends an acknowledgement once its message is in the journal; if the journal could not keep it, closes the connection instead, so the device sends it again.</summary>
    private async Task SendWhenDurableAsync(MqttPacket acknowledgement, ushort packetId, CancellationToken cancellationToken)
    {
        if (!await Acknowledgements.DurableAsync(packetId).ConfigureAwait(false))
        {
            connection.Close(ConnectionCloseReason.NotKept);
            return;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return;   // the connection closed meanwhile: the device sends the message again
        }

        await inner.SendPacketAsync(acknowledgement, cancellationToken).ConfigureAwait(false);
    }

    public void ResetStatistics() => inner.ResetStatistics();

    public void Dispose() => inner.Dispose();

    private void OnConnect(MqttConnectPacket connect)
    {
        var keepAlive = connect.KeepAlivePeriod;
        if (keepAlive == 0 || keepAlive > limits.MaxKeepAliveSeconds)
        {
            keepAlive = (ushort)limits.MaxKeepAliveSeconds;
            _serverKeepAlive = keepAlive;
        }

        connection.ConnectArrived(TimeSpan.FromSeconds(keepAlive));
        if (string.IsNullOrEmpty(connect.ClientId) && connect.CleanSession && !string.IsNullOrEmpty(connect.Username)
            && inner.PacketFormatterAdapter.ProtocolVersion != MqttProtocolVersion.V500)
        {
            connect.ClientId = connect.Username;
        }
    }
}
