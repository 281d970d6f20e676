using System.Net;
using Microsoft.AspNetCore.Connections;
using MQTTnet.Protocol;

namespace RedProperty.Iot.Hub.Broker.Transport;

/// <summary>Why the hub closed an MQTT connection on its own (the <c>reason</c> label of <c>rp_hub_connections_closed_total</c>).</summary>
public enum ConnectionCloseReason
{
    None,
    PacketTooLarge,
    MalformedPacket,
    TruncatedPacket,
    ConnectTimeout,
    KeepAliveTimeout,
    ReceiveMaximumExceeded,
    TooManyConnections,
    TooManyFromAddress,

    /// <summary>The ingest journal could not keep a message (disk full or failing): no acknowledgement, the device sends it again.</summary>
    NotKept,
}

public static class ConnectionCloseReasons
{
    public static string ToWire(this ConnectionCloseReason reason) => reason switch
    {
        ConnectionCloseReason.PacketTooLarge => "packet_too_large",
        ConnectionCloseReason.MalformedPacket => "malformed_packet",
        ConnectionCloseReason.TruncatedPacket => "truncated_packet",
        ConnectionCloseReason.ConnectTimeout => "connect_timeout",
        ConnectionCloseReason.KeepAliveTimeout => "keep_alive_timeout",
        ConnectionCloseReason.ReceiveMaximumExceeded => "receive_maximum_exceeded",
        ConnectionCloseReason.TooManyConnections => "too_many_connections",
        ConnectionCloseReason.TooManyFromAddress => "too_many_from_address",
        ConnectionCloseReason.NotKept => "not_kept",
        _ => "none",
    };
}

/// <summary>
/// One MQTT connection as the transport guard sees it: where it comes from, whether its CONNECT has
/// arrived, when it last sent anything, and — once the guard decides to close it — why.
/// </summary>
public sealed class GuardedConnection
{
    private readonly ConnectionContext _connection;
    private readonly TimeProvider _time;
    private long _lastReceived;
    private int _closeReason;
    private PacketGuardReader? _reader;
    private Func<MqttDisconnectReasonCode, CancellationToken, Task>? _disconnect;

    public GuardedConnection(ConnectionContext connection, IPAddress? address, TimeProvider time, TimeSpan connectTimeout)
    {
        _connection = connection;
        _time = time;
        Address = address;
        _lastReceived = time.GetTimestamp();
        ConnectDeadline = time.GetTimestamp() + (long)(connectTimeout.TotalSeconds * time.TimestampFrequency);
    }

    public IPAddress? Address { get; }

    public string Source => Address?.ToString() ?? "unknown";

    /// <summary>Timestamp (<see cref="TimeProvider.GetTimestamp"/>) by which the CONNECT must be complete.</summary>
    public long ConnectDeadline { get; }

    /// <summary>Set once the whole CONNECT packet was read.</summary>
    public bool ConnectReceived { get; private set; }

    /// <summary>How long the client may stay silent once connected (1.5 × its effective keep-alive).</summary>
    public TimeSpan IdleLimit { get; private set; } = TimeSpan.MaxValue;

    public ConnectionCloseReason CloseReason => (ConnectionCloseReason)Volatile.Read(ref _closeReason);

    public long LastReceived => Volatile.Read(ref _lastReceived);

    internal void Attach(PacketGuardReader reader) => _reader = reader;

    internal void Received() => Volatile.Write(ref _lastReceived, _time.GetTimestamp());

    /// <summary>True when the first bytes of the CONNECT say MQTT 5 (so a refusal can carry a reason).</summary>
    public bool SpeaksMqtt5 { get; internal set; }

    public void ConnectArrived(TimeSpan keepAlive)
    {
        IdleLimit = keepAlive * 1.5;
        ConnectReceived = true;
    }

    /// <summary>Once an MQTT 5 client is logged in: how to tell it why it is disconnected (a DISCONNECT packet).</summary>
    public void LoggedIn(Func<MqttDisconnectReasonCode, CancellationToken, Task> disconnect) => _disconnect = disconnect;

    /// <summary>Closes the connection for <paramref name="reason"/> at once; the first reason wins. False when it was already closing.</summary>
    public bool Close(ConnectionCloseReason reason)
    {
        if (!TryMarkClosing(reason))
        {
            return false;
        }

        // Wakes a pending read, which then fails; the abort ends the socket even if nobody reads.
        _reader?.CancelPendingRead();
        _connection.Abort(new ConnectionAbortedException($"closed by the hub: {reason.ToWire()}"));
        return true;
    }

    /// <summary>Marks the connection as closing for <paramref name="reason"/> without aborting it (the failing read ends it).</summary>
    public bool TryMarkClosing(ConnectionCloseReason reason) =>
        Interlocked.CompareExchange(ref _closeReason, (int)reason, (int)ConnectionCloseReason.None) == (int)ConnectionCloseReason.None;

    /// <summary>
    /// Tells an MQTT 5 client why it is being closed, as far as the protocol allows: a DISCONNECT with the
    /// reason once logged in, a CONNACK with it before (MQTT 3.1.1 has no such codes). Best effort, bounded.
    /// </summary>
    public async Task SayWhyAsync(ConnectionCloseReason reason)
    {
        MqttDisconnectReasonCode? code = reason switch
        {
            ConnectionCloseReason.PacketTooLarge => MqttDisconnectReasonCode.PacketTooLarge,
            ConnectionCloseReason.ReceiveMaximumExceeded => MqttDisconnectReasonCode.ReceiveMaximumExceeded,
            ConnectionCloseReason.MalformedPacket => MqttDisconnectReasonCode.MalformedPacket,
            _ => null,
        };
        if (code is not { } reasonCode)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            if (_disconnect is { } disconnect)
            {
                await disconnect(reasonCode, timeout.Token).ConfigureAwait(false);
            }
            else if (!ConnectReceived && SpeaksMqtt5)
            {
                // Nothing else writes before the CONNACK. The reason codes are the same numbers in CONNACK.
                var output = _connection.Transport.Output;
                await output.WriteAsync(new byte[] { 0x20, 0x03, 0x00, (byte)reasonCode, 0x00 }, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or IOException)
        {
            // The client is gone or not reading; closing is all that is left.
        }
    }
}
