using System.Net;
using Microsoft.AspNetCore.Connections;

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

    public void ConnectArrived(TimeSpan keepAlive)
    {
        IdleLimit = keepAlive * 1.5;
        ConnectReceived = true;
    }

    /// <summary>Closes the connection for <paramref name="reason"/>; the first reason wins. False when it was already closing.</summary>
    public bool Close(ConnectionCloseReason reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, (int)reason, (int)ConnectionCloseReason.None) != (int)ConnectionCloseReason.None)
        {
            return false;
        }

        // Wakes a pending read, which then fails; the abort ends the socket even if nobody reads.
        _reader?.CancelPendingRead();
        _connection.Abort(new ConnectionAbortedException($"closed by the hub: {reason.ToWire()}"));
        return true;
    }
}
