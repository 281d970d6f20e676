using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using RedProperty.Iot.Hub.Staff;

namespace RedProperty.Iot.Hub.Desk;

/// <summary>
/// The desk's live connection (<c>/hubs/desk</c>): staff only, each connection sees the sites it may. On
/// connect it gets a snapshot, or, given <c>?lastSeq=N</c>, every change after N; then live changes. All of
/// it goes through the connection's own <see cref="DeskOutbox"/>, so a desk that does not read holds up no
/// one but itself.
/// </summary>
[Authorize]
public sealed class DeskHub(DeskHistory history, DeviceRegistry registry, DeskBroadcaster broadcaster) : Hub<IDeskClient>
{
    public const int MaxReplay = 10_000;

    public override async Task OnConnectedAsync()
    {
        var sites = VisibleSites();
        var lastSeq = Context.GetHttpContext()?.Request.Query["lastSeq"].ToString();

        // No SignalR groups: everything a desk gets goes through its own outbox, so nothing sent to a group
        // (over the Redis backplane, say) reaches a desk.
        broadcaster.Attach(Context, sites, long.TryParse(lastSeq, out var afterSeq) && afterSeq >= 0 ? afterSeq : null);
        await base.OnConnectedAsync().ConfigureAwait(false);
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        broadcaster.Detach(Context.ConnectionId);
        await base.OnDisconnectedAsync(exception).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends the caller every change after <paramref name="afterSeq"/>, in order, and returns how many; or
    /// -1, sending nothing, when the change log cannot serve that number (then ask for a <see cref="Snapshot"/>).
    /// Live changes keep coming meanwhile, so some may arrive twice: keep, per alert, the highest <c>seq</c>.
    /// </summary>
    public async Task<int> CatchUp(long afterSeq)
    {
        var changes = await history.ChangesAsync(afterSeq, long.MaxValue, VisibleSites(), Context.ConnectionAborted).ConfigureAwait(false);
        if (changes is null)
        {
            return -1;
        }

        foreach (var change in changes)
        {
            await DeskBroadcaster.SendAsync(Clients.Caller, change).ConfigureAwait(false);
        }

        return changes.Count;
    }

    public DeskSnapshot Snapshot() => history.Snapshot(broadcaster.LastSentSeq, VisibleSites());

    private IReadOnlyCollection<string> VisibleSites()
    {
        var user = Context.User!;
        return registry.Sites.Select(s => s.Id).Where(user.CanSee).ToArray();
    }
}
