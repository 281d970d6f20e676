using RedProperty.Iot.Hub.Journal;

namespace RedProperty.Iot.Hub.Broker.Transport;

/// <summary>
/// One connection's QoS 1/2 publishes whose acknowledgement waits for the ingest journal. MQTTnet handles a
/// client's publishes one at a time and sends the PUBACK when the interceptor returns; the interceptor
/// returns once the record is appended and leaves its durability here, and the adapter holds that
/// publish's PUBACK (or PUBREC) until the record is fsynced. So a device's next message is taken while the
/// last one waits for the disk, and no acknowledgement is sent before its message is kept.
/// </summary>
public sealed class DeferredAcknowledgements(int maxWaiting)
{
    private readonly Lock _gate = new();

    // Packet ids of publishes received and not yet handed to the interceptor (at most one: MQTTnet reads the
    // next packet only after handling this one), and the durability of those it has handled.
    private readonly Queue<ushort> _received = new();
    private readonly Dictionary<ushort, JournalTicket> _waiting = [];

    /// <summary>A QoS 1/2 publish arrived with this packet id; false when more than the client's Receive Maximum now wait for their acknowledgement.</summary>
    public bool Received(ushort packetId)
    {
        lock (_gate)
        {
            _received.Enqueue(packetId);
            return _received.Count + _waiting.Count <= maxWaiting;
        }
    }

    /// <summary>
    /// The interceptor took the publish received first: its acknowledgement waits for <paramref name="ticket"/>.
    /// False when no publish is known to be waiting (then the caller must wait for the ticket itself).
    /// </summary>
    public bool Defer(JournalTicket ticket)
    {
        lock (_gate)
        {
            if (!_received.TryDequeue(out var packetId))
            {
                return false;
            }

            _waiting[packetId] = ticket;
            return true;
        }
    }

    /// <summary>The interceptor answered the publish received first without a record (refused): nothing to wait for.</summary>
    public void Answered()
    {
        lock (_gate)
        {
            _received.TryDequeue(out _);
        }
    }

    /// <summary>
    /// Whether the acknowledgement of <paramref name="packetId"/> may go: true at once when nothing is deferred for it.
    /// Not cancellable: the wait ends with its group commit, which always ends (on disk, failed, or the journal closing),
    /// and MQTTnet does not wait for a closing connection's send loop. A token here cost a cancellation promise per message.
    /// </summary>
    public ValueTask<bool> DurableAsync(ushort packetId)
    {
        JournalTicket ticket;
        lock (_gate)
        {
            if (!_waiting.Remove(packetId, out ticket))
            {
                return new ValueTask<bool>(true);
            }
        }

        return ticket.WaitAcknowledgeableAsync();
    }
}
