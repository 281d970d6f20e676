using System.Threading.Channels;
using RedProperty.Iot.Hub.Metrics;

namespace RedProperty.Iot.Hub.ChangeLog;

/// <summary>
/// Committed changes on their way to the desk broadcaster; never blocks the publisher (the alert service).
/// It holds at most <see cref="Capacity"/> changes: should the broadcaster ever fall that far behind, further
/// changes are not queued but counted (<c>rp_hub_desk_feed_dropped_total</c>) and remembered, and the
/// broadcaster then disconnects every desk, which catch up from the change log, where the changes are.
/// </summary>
public sealed class DeskChangeFeed(HubMetrics metrics)
{
    public const int Capacity = 10_000;

    private readonly Channel<DeskChange> _changes = Channel.CreateBounded<DeskChange>(new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private long _lostUpTo;

    public ChannelReader<DeskChange> Reader => _changes.Reader;

    public void Publish(DeskChange change)
    {
        if (_changes.Writer.TryWrite(change))
        {
            return;
        }

        metrics.DeskFeedDropped.Inc();
        var seen = Interlocked.Read(ref _lostUpTo);
        while (change.Seq > seen && Interlocked.CompareExchange(ref _lostUpTo, change.Seq, seen) != seen)
        {
            seen = Interlocked.Read(ref _lostUpTo);
        }
    }

    /// <summary>The newest change that could not be queued since the last call, or 0 when none was lost.</summary>
    public long TakeLost() => Interlocked.Exchange(ref _lostUpTo, 0);
}
