using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using RedProperty.Iot.Hub.ChangeLog;
using RedProperty.Iot.Hub.Devices;
using RedProperty.Iot.Hub.Metrics;
using RedProperty.Iot.Hub.Storage;

namespace RedProperty.Iot.Hub.Desk;

/// <summary>
/// Pushes committed changes to the desks: in small batches (a burst of thousands becomes the latest state
/// of each alert), into each connection's <see cref="DeskOutbox"/>, never waiting on any desk. Each desk has
/// its own sender: first what it missed (from the store) or a snapshot, then what was queued, in sequence
/// order. What the broadcaster had handed out when a desk was taken on (<see cref="LastSentSeq"/>) is
/// replayed from the store; everything after it is queued for the desk; nothing twice. A desk whose sender
/// cannot get a message out within <see cref="DeskOutbox.SendTimeout"/>, or with
/// <see cref="DeskOutbox.Capacity"/> changes waiting, is disconnected and counted; it catches up by sequence
/// number when it reconnects. With scale-out, changes of the other instances arrive through
/// <see cref="DeskFeedRelay"/> and are queued the same way.
/// </summary>
public sealed partial class DeskBroadcaster(
    DeskChangeFeed feed, IHubContext<DeskHub, IDeskClient> hub, DeskHistory history, ChangeLogStore changeLog, HubMetrics metrics, ILogger<DeskBroadcaster> logger, DeskFeedRelay? relay = null)
    : BackgroundService
{
    private static readonly TimeSpan BatchWindow = TimeSpan.FromMilliseconds(50);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DeskOutbox> _outboxes = new(StringComparer.Ordinal);

    // Every desk's sender, until it ends; awaited at stop.
    private readonly Dictionary<DeskOutbox, Task> _senders = [];
    private long _lastSentSeq;

    /// <summary>The newest change already handed to the desks (at start-up: everything in the store).</summary>
    public long LastSentSeq => Interlocked.Read(ref _lastSentSeq);

    /// <summary>Takes a desk connection on and starts its sender; returns at once.</summary>
    public void Attach(HubCallerContext connection, IReadOnlyCollection<string> sites, long? afterSeq)
    {
        var outbox = new DeskOutbox(connection, sites, afterSeq);
        lock (_gate)
        {
            outbox.StartSeq = _lastSentSeq;
            _outboxes[outbox.ConnectionId] = outbox;

            // Under the lock, so that the sender, which removes itself when it ends, finds itself there.
            _senders[outbox] = Task.Run(() => ServeAsync(outbox));
        }
    }

    public void Detach(string connectionId)
    {
        DeskOutbox? outbox;
        lock (_gate)
        {
            _outboxes.Remove(connectionId, out outbox);
        }

        outbox?.Close();
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _lastSentSeq, await changeLog.LastSeqAsync(cancellationToken).ConfigureAwait(false));
        if (relay is not null)
        {
            await relay.SubscribeAsync(changes => Queue(changes, remote: true)).ConfigureAwait(false);
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        DeskOutbox[] open;
        lock (_gate)
        {
            open = [.. _outboxes.Values];
            _outboxes.Clear();
        }

        foreach (var outbox in open)
        {
            outbox.Close();
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);

        // A closed outbox cancels its sender's waits; each ends without throwing.
        Task[] senders;
        lock (_gate)
        {
            senders = [.. _senders.Values];
        }

        await Task.WhenAll(senders).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends one change to the desk client's method for its kind.</summary>
    public static Task SendAsync(IDeskClient client, DeskChange change) => change switch
    {
        DeskChange.AlertChanged { Raised: true } alert => client.alertRaised(alert.Alert),
        DeskChange.AlertChanged alert => client.alertUpdated(alert.Alert),
        DeskChange.DeviceStatusChanged device => client.deviceStatusChanged(device.Status),
        DeskChange.ElevatorChanged elevator => client.elevatorChanged(elevator.Car),
        _ => throw new UnreachableException($"a desk change of kind {change.GetType().Name}"),
    };

    /// <summary>
    /// Hands elevator cars' live state to the desks (and, in scale-out, the other instances' desks) through
    /// the same outboxes as everything else, so a desk that does not read delays no one's elevator panel.
    /// </summary>
    public void Publish(IReadOnlyCollection<ElevatorView> cars)
    {
        DeskChange[] changes = [.. cars.Select(car => new DeskChange.ElevatorChanged(car))];
        Queue(changes, remote: false);
        relay?.Publish(changes);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<DeskChange>();
        try
        {
            while (await feed.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < 5000 && feed.Reader.TryRead(out var change))
                {
                    batch.Add(change);
                }

                var lost = feed.TakeLost();
                var changes = Coalesce(batch).ToArray();
                Queue(changes, remote: false, lost);
                relay?.Publish(changes);

                // A lone change goes out at once; during a burst, what arrives in the next window is sent together.
                await Task.Delay(BatchWindow, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Hands changes to every desk that sees their site; a desk whose outbox is full is dropped. When the feed
    /// lost changes (<paramref name="lostUpTo"/>), every desk missed them live: all are dropped to catch up.
    /// </summary>
    private void Queue(IReadOnlyList<DeskChange> changes, bool remote, long lostUpTo = 0)
    {
        List<(DeskOutbox Outbox, string Reason)>? drop = null;
        lock (_gate)
        {
            foreach (var outbox in _outboxes.Values)
            {
                foreach (var change in changes)
                {
                    // Up to StartSeq the desk's own instance replays from the store; another instance's numbers are its
                    // own; unnumbered ones (elevator states) are never replayed.
                    if (outbox.Sees(change.Site) && (remote || change.Seq == 0 || change.Seq > outbox.StartSeq) && !outbox.TryQueue(change))
                    {
                        (drop ??= []).Add((outbox, "backlog"));
                        break;
                    }
                }
            }

            if (!remote)
            {
                var newest = Math.Max(lostUpTo, changes.Count > 0 ? changes.Max(c => c.Seq) : 0);
                Interlocked.Exchange(ref _lastSentSeq, Math.Max(_lastSentSeq, newest));
            }

            if (lostUpTo > 0)
            {
                drop = [.. _outboxes.Values.Select(o => (o, "resync"))];
            }

            foreach (var (outbox, _) in drop ?? [])
            {
                _outboxes.Remove(outbox.ConnectionId);
            }
        }

        foreach (var (outbox, reason) in drop ?? [])
        {
            Drop(outbox, reason);
        }
    }

    /// <summary>One desk's sender: what it missed or a snapshot, then its queue, each message within the send timeout.</summary>
    private async Task ServeAsync(DeskOutbox outbox)
    {
        var client = hub.Clients.Client(outbox.ConnectionId);
        var closed = outbox.Closed;
        try
        {
            var missed = outbox.AfterSeq is { } afterSeq ? await history.ChangesAsync(afterSeq, outbox.StartSeq, outbox.Sites, closed).ConfigureAwait(false) : null;
            if (missed is null)
            {
                // No number, or one the change log cannot serve (pruned, too far behind, or from before a reset): start afresh.
                await client.snapshot(history.Snapshot(outbox.StartSeq, outbox.Sites)).WaitAsync(DeskOutbox.SendTimeout, closed).ConfigureAwait(false);
            }
            else
            {
                foreach (var change in missed)
                {
                    await SendAsync(client, change).WaitAsync(DeskOutbox.SendTimeout, closed).ConfigureAwait(false);
                }
            }

            await foreach (var change in outbox.Queued.ReadAllAsync(closed).ConfigureAwait(false))
            {
                await SendAsync(client, change).WaitAsync(DeskOutbox.SendTimeout, closed).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (closed.IsCancellationRequested)
        {
        }
        catch (TimeoutException)
        {
            Detach(outbox.ConnectionId);
            Drop(outbox, "stalled");
        }
        catch (Exception e)
        {
            LogSendFailed(logger, e, outbox.ConnectionId);
            Detach(outbox.ConnectionId);
            Drop(outbox, "error");
        }
        finally
        {
            lock (_gate)
            {
                _senders.Remove(outbox);
            }
        }
    }

    private void Drop(DeskOutbox outbox, string reason)
    {
        if (outbox.Drop())
        {
            metrics.DeskClientsDropped.WithLabels(reason).Inc();
            LogDropped(logger, outbox.ConnectionId, reason);
        }
    }

    /// <summary>The latest change of each alert in the batch (raised if any of them was), in sequence order.</summary>
    private static IEnumerable<DeskChange> Coalesce(List<DeskChange> batch)
    {
        var latest = new Dictionary<Guid, DeskChange.AlertChanged>();
        var raised = new HashSet<Guid>();
        var others = new List<DeskChange>();
        foreach (var change in batch)
        {
            if (change is not DeskChange.AlertChanged alert)
            {
                others.Add(change);
                continue;
            }

            latest[alert.Alert.Id] = alert;
            if (alert.Raised)
            {
                raised.Add(alert.Alert.Id);
            }
        }

        return latest.Select(kv => raised.Contains(kv.Key) ? kv.Value with { Raised = true } : kv.Value)
            .Concat(others)
            .OrderBy(c => c.Seq);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Desk {ConnectionId} disconnected: it did not keep up ({Reason}); it will catch up by sequence number when it reconnects")]
    private static partial void LogDropped(ILogger logger, string connectionId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending to desk {ConnectionId} failed")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string connectionId);
}
