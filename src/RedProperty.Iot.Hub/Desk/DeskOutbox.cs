using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using RedProperty.Iot.Hub.ChangeLog;

namespace RedProperty.Iot.Hub.Desk;

/// <summary>
/// One desk connection's changes on their way to it: a bounded queue that the broadcaster fills without
/// ever waiting, and that the connection's own sender empties (see <see cref="DeskBroadcaster"/>). A desk
/// that falls <see cref="Capacity"/> changes behind, or does not take one for <see cref="SendTimeout"/>, is
/// disconnected; it catches up by sequence number when it comes back.
/// </summary>
public sealed class DeskOutbox
{
    /// <summary>Changes a desk may have waiting (as many as a reconnect can replay).</summary>
    public const int Capacity = DeskHub.MaxReplay;

    /// <summary>Longest wait for one message to be taken by the connection (SignalR pauses a send while 64 KiB are unsent).</summary>
    public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);

    private readonly Channel<DeskChange> _queue = Channel.CreateBounded<DeskChange>(new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly HubCallerContext _connection;
    private readonly HashSet<string> _sites;
    // Not linked to another token and without a timer, so it needs no disposing.
    private readonly CancellationTokenSource _closed = new();
    private int _dropped;

    public DeskOutbox(HubCallerContext connection, IReadOnlyCollection<string> sites, long? afterSeq)
    {
        _connection = connection;
        _sites = new HashSet<string>(sites, StringComparer.Ordinal);
        Sites = sites;
        AfterSeq = afterSeq;
    }

    public string ConnectionId => _connection.ConnectionId;

    public IReadOnlyCollection<string> Sites { get; }

    /// <summary>The change the desk saw last (<c>?lastSeq=</c>), or null: it gets a snapshot first.</summary>
    public long? AfterSeq { get; }

    /// <summary>
    /// Set by the broadcaster when it takes the desk on: changes up to here come from the store (catch-up or
    /// snapshot), later ones through <see cref="Queued"/>.
    /// </summary>
    public long StartSeq { get; set; }

    public ChannelReader<DeskChange> Queued => _queue.Reader;

    /// <summary>Cancelled when the desk disconnects, is dropped, or the hub stops.</summary>
    public CancellationToken Closed => _closed.Token;

    public bool Sees(string site) => _sites.Contains(site);

    /// <summary>False when the desk already has <see cref="Capacity"/> changes waiting.</summary>
    public bool TryQueue(DeskChange change) => _queue.Writer.TryWrite(change);

    /// <summary>Closes the connection (once); true the first time.</summary>
    public bool Drop()
    {
        if (Interlocked.Exchange(ref _dropped, 1) == 1)
        {
            return false;
        }

        Close();
        _connection.Abort();
        return true;
    }

    /// <summary>Stops the sender; nothing more is queued.</summary>
    public void Close()
    {
        _queue.Writer.TryComplete();
        _closed.Cancel();
    }
}
