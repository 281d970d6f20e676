using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;

namespace RedProperty.Iot.Hub.Broker.Transport;

/// <summary>
/// Sits between the socket and MQTTnet's packet reader and reads every packet's fixed header as the
/// bytes arrive, before MQTTnet buffers the body: a packet larger than allowed, a first packet that is
/// not a CONNECT, a client that has more QoS 1/2 publishes waiting than its receive maximum, and a
/// connection that ends in the middle of a packet all fail the read (which closes the connection).
/// The last one matters most: MQTTnet's reader would otherwise wait for the rest of a packet from a
/// closed connection in a loop that never yields, a core per connection (see docs/security.md).
/// </summary>
public sealed class PacketGuardReader : PipeReader
{
    private readonly PipeReader _inner;
    private readonly GuardedConnection _connection;
    private readonly MqttTransportGuard _guard;
    private readonly int _maxPacketBytes;
    private readonly int _maxConnectBytes;
    private readonly int _maxWaitingPublishes;

    // Absolute stream offsets: bytes the reader consumed, and the start of the next packet whose header is unread.
    private long _consumed;
    private long _nextHeader;

    // Ends (absolute offsets) of the QoS 1/2 publishes that arrived and were not consumed yet.
    private readonly Queue<long> _waitingPublishes = new();
    private ReadOnlySequence<byte> _lastBuffer;

    public PacketGuardReader(PipeReader inner, GuardedConnection connection, MqttTransportGuard guard, MqttLimitsOptions limits)
    {
        _inner = inner;
        _connection = connection;
        _guard = guard;
        _maxPacketBytes = limits.MaxPacketBytes;
        _maxConnectBytes = limits.MaxConnectBytes;
        _maxWaitingPublishes = limits.MaxInflightPerClient;
        connection.Attach(this);
    }

    // Nearly every read waits for the socket, so its state machine would be allocated once per packet: pooled instead.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        var result = await _inner.ReadAsync(cancellationToken).ConfigureAwait(false);
        var broken = Inspect(result);
        return broken == ConnectionCloseReason.None ? result : throw await _guard.RefuseAsync(_connection, broken).ConfigureAwait(false);
    }

    public override bool TryRead(out ReadResult result)
    {
        ThrowIfClosed();
        if (!_inner.TryRead(out result))
        {
            return false;
        }

        var broken = Inspect(result);
        return broken == ConnectionCloseReason.None ? true : throw _guard.Fail(_connection, broken);
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _consumed += _lastBuffer.Slice(_lastBuffer.Start, consumed).Length;
        _lastBuffer = default;
        while (_waitingPublishes.TryPeek(out var end) && end <= _consumed)
        {
            _waitingPublishes.Dequeue();
        }

        _inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => _inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => _inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => _inner.CompleteAsync(exception);

    /// <summary>Reads the headers of what arrived; the limit it breaks, or none.</summary>
    private ConnectionCloseReason Inspect(ReadResult result)
    {
        ThrowIfClosed();
        var buffer = result.Buffer;
        _lastBuffer = buffer;
        if (result.IsCanceled)
        {
            return ConnectionCloseReason.None;
        }

        _connection.Received();
        var end = _consumed + buffer.Length;
        while (_nextHeader < end)
        {
            var header = ReadFixedHeader(buffer.Slice(_nextHeader - _consumed), out var type, out var flags, out var size);
            if (header == HeaderState.Incomplete)
            {
                break;
            }

            if (header == HeaderState.Malformed || (_nextHeader == 0 && type != 1))
            {
                return ConnectionCloseReason.MalformedPacket;
            }

            if (_nextHeader == 0)
            {
                // The CONNECT's protocol level (after the fixed header and "\0\4MQTT") says MQTT 5.
                var level = buffer.Slice(0, Math.Min(buffer.Length, 16)).ToArray();
                var headerLength = Array.FindIndex(level, 1, b => (b & 0x80) == 0) + 1;
                _connection.SpeaksMqtt5 = headerLength > 0 && level.Length > headerLength + 6 && level[headerLength + 6] == 5;
            }

            if (size > (_nextHeader == 0 ? _maxConnectBytes : _maxPacketBytes))
            {
                return ConnectionCloseReason.PacketTooLarge;
            }

            _nextHeader += size;
            if (type == 3 && (flags & 0b0110) != 0)
            {
                _waitingPublishes.Enqueue(_nextHeader);
                if (_waitingPublishes.Count > _maxWaitingPublishes)
                {
                    return ConnectionCloseReason.ReceiveMaximumExceeded;
                }
            }
        }

        // A connection that ended inside a packet can never complete it; what comes before it is still read.
        if (result.IsCompleted && !buffer.IsEmpty
            && (ReadFixedHeader(buffer, out _, out _, out var first) != HeaderState.Complete || first > buffer.Length))
        {
            return ConnectionCloseReason.TruncatedPacket;
        }

        return ConnectionCloseReason.None;
    }

    private void ThrowIfClosed()
    {
        if (_connection.CloseReason != ConnectionCloseReason.None)
        {
            throw new ConnectionAbortedException($"closed by the hub: {_connection.CloseReason.ToWire()}");
        }
    }

    private enum HeaderState
    {
        Complete,
        Incomplete,
        Malformed,
    }

    /// <summary>The packet type, flags and whole size (fixed header included) from the bytes at the start of <paramref name="bytes"/>.</summary>
    private static HeaderState ReadFixedHeader(ReadOnlySequence<byte> bytes, out int type, out int flags, out long size)
    {
        type = flags = 0;
        size = 0;
        Span<byte> header = stackalloc byte[5];
        var available = (int)Math.Min(header.Length, bytes.Length);
        if (available < 2)
        {
            return HeaderState.Incomplete;
        }

        bytes.Slice(0, available).CopyTo(header);
        type = header[0] >> 4;
        flags = header[0] & 0x0F;
        long remaining = 0;
        for (var i = 1; i < 5; i++)
        {
            if (i >= available)
            {
                return HeaderState.Incomplete;
            }

            remaining |= (long)(header[i] & 0x7F) << (7 * (i - 1));
            if ((header[i] & 0x80) == 0)
            {
                size = 1 + i + remaining;
                return type == 0 ? HeaderState.Malformed : HeaderState.Complete;
            }
        }

        return HeaderState.Malformed;
    }
}
