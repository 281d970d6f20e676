using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using RedProperty.Iot.Contract;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Alerts.Storage;
using RedProperty.Iot.Hub.Devices;
using RedProperty.Iot.Hub.Staff;
using RedProperty.Iot.Registry;

namespace RedProperty.Iot.Hub.Desk;

/// <summary>
/// What the property desk receives. Method names are part of the contract for third-party clients,
/// hence camelCase here.
/// </summary>
#pragma warning disable IDE1006 // the wire names are camelCase by contract
public interface IDeskClient
{
    Task alertRaised(AlertView alert);

    Task alertUpdated(AlertView alert);

    Task deviceStatusChanged(DeviceStatusView status);

    Task snapshot(DeskSnapshot snapshot);

    /// <summary>An elevator car's live state changed (floor, door, running, occupancy, fault); not sequence-numbered.</summary>
    Task elevatorChanged(ElevatorView car);
}
#pragma warning restore IDE1006

/// <summary>
/// The desk's live connection (<c>/hubs/desk</c>): staff only, each connection in the groups of the
/// sites it may see. On connect it gets a snapshot, or, given <c>?lastSeq=N</c>, every change after N.
/// </summary>
[Authorize]
public sealed class DeskHub(AlertService alerts, DeviceDirectory devices, SqliteAlertStore store, DeviceRegistry registry, DeskBroadcaster broadcaster) : Hub<IDeskClient>
{
    public const int MaxReplay = 10_000;

    public static string GroupOf(string site) => $"site:{site}";

    public override async Task OnConnectedAsync()
    {
        var sites = VisibleSites();
        var lastSeq = Context.GetHttpContext()?.Request.Query["lastSeq"].ToString();

        // Joining the groups and catching up happen while the broadcaster is between batches: what it
        // has sent is replayed from the store, what it has not sent yet arrives live, nothing twice.
        await using (await broadcaster.PauseAsync().ConfigureAwait(false))
        {
            var caughtUp = long.TryParse(lastSeq, out var afterSeq) && afterSeq >= 0
                && await TryReplayAsync(afterSeq, broadcaster.LastSentSeq, sites).ConfigureAwait(false);
            if (!caughtUp)
            {
                // No number, or one the change log cannot serve (pruned, too far behind, or from before a reset): start afresh.
                await Clients.Caller.snapshot(await BuildSnapshotAsync(sites).ConfigureAwait(false)).ConfigureAwait(false);
            }

            foreach (var site in sites)
            {
                await Groups.AddToGroupAsync(Context.ConnectionId, GroupOf(site)).ConfigureAwait(false);
            }
        }

        await base.OnConnectedAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Sends the caller every change after <paramref name="afterSeq"/>, in order, and returns how many; or
    /// -1, sending nothing, when the change log cannot serve that number (then ask for a <see cref="Snapshot"/>).
    /// </summary>
    public async Task<int> CatchUp(long afterSeq)
    {
        var changes = await ChangesToReplayAsync(afterSeq, long.MaxValue, VisibleSites()).ConfigureAwait(false);
        if (changes is null)
        {
            return -1;
        }

        await SendToCallerAsync(changes).ConfigureAwait(false);
        return changes.Count;
    }

    public Task<DeskSnapshot> Snapshot() => BuildSnapshotAsync(VisibleSites());

    private async Task<bool> TryReplayAsync(long afterSeq, long upToSeq, IReadOnlyCollection<string> sites)
    {
        var changes = await ChangesToReplayAsync(afterSeq, upToSeq, sites).ConfigureAwait(false);
        if (changes is null)
        {
            return false;
        }

        await SendToCallerAsync(changes).ConfigureAwait(false);
        return true;
    }

    private async Task SendToCallerAsync(IReadOnlyList<ChangeRecord> changes)
    {
        foreach (var change in changes)
        {
            await DeskBroadcaster.SendAsync(Clients.Caller, change).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<ChangeRecord>?> ChangesToReplayAsync(long afterSeq, long upToSeq, IReadOnlyCollection<string> sites)
    {
        if (!await store.CanCatchUpFromAsync(afterSeq).ConfigureAwait(false))
        {
            return null;
        }

        var changes = await store.ChangesSinceAsync(afterSeq, sites, MaxReplay + 1).ConfigureAwait(false);
        return changes.Count > MaxReplay ? null : changes.Where(c => c.Seq <= upToSeq).ToArray();
    }

    private async Task<DeskSnapshot> BuildSnapshotAsync(IReadOnlyCollection<string> sites)
    {
        // The sequence number is read first: anything newer arrives live, and clients keep the newest per alert.
        var seq = await store.LastSeqAsync().ConfigureAwait(false);
        var open = alerts.OpenAlerts(sites);
        var statuses = devices.All
            .Where(d => sites.Contains(d.Device.Site))
            .Select(d => new DeviceStatusView(0, d.Device.Site, d.Device.Zone, d.Device.Id, d.Device.Kind.ToWire(), d.Status?.ToString().ToLowerInvariant() ?? "unknown", d.StatusChangedAt ?? DateTimeOffset.MinValue))
            .ToArray();
        return new DeskSnapshot(seq, open, statuses);
    }

    private IReadOnlyCollection<string> VisibleSites()
    {
        var user = Context.User!;
        return registry.Sites.Select(s => s.Id).Where(user.CanSee).ToArray();
    }
}

/// <summary>
/// Pushes committed changes to the desk: in small batches (a burst of thousands becomes a few sends
/// per client, the latest state of each alert), per site group, never waiting long on a slow client,
/// which catches up by sequence number when it reconnects.
/// </summary>
public sealed partial class DeskBroadcaster(DeskChangeFeed feed, IHubContext<DeskHub, IDeskClient> hub, SqliteAlertStore store, ILogger<DeskBroadcaster> logger) : BackgroundService
{
    private static readonly TimeSpan BatchWindow = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(2);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _lastSentSeq;

    /// <summary>The newest change already pushed to the groups (at start-up: everything in the store).</summary>
    public long LastSentSeq => Interlocked.Read(ref _lastSentSeq);

    /// <summary>Holds the broadcaster between two batches until the returned handle is disposed.</summary>
    public async Task<IAsyncDisposable> PauseAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        return new Release(_gate);
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _lastSentSeq, await store.LastSeqAsync(cancellationToken).ConfigureAwait(false));
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends one change; live changes carry their view, replayed ones are read back from the stored payload.</summary>
    public static Task SendAsync(IDeskClient client, ChangeRecord change) => change.Event switch
    {
        DeskEvents.AlertRaised => client.alertRaised(AlertOf(change)),
        DeskEvents.AlertUpdated => client.alertUpdated(AlertOf(change)),
        DeskEvents.DeviceStatusChanged => client.deviceStatusChanged(change.View as DeviceStatusView ?? JsonSerializer.Deserialize(change.Payload, DeskJsonContext.Default.DeviceStatusView)!),
        _ => Task.CompletedTask,
    };

    private static AlertView AlertOf(ChangeRecord change) =>
        change.View as AlertView ?? JsonSerializer.Deserialize(change.Payload, DeskJsonContext.Default.AlertView)!;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<ChangeRecord>();
        try
        {
            while (await feed.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                batch.Clear();
                await _gate.WaitAsync(stoppingToken).ConfigureAwait(false);
                try
                {
                    while (batch.Count < 5000 && feed.Reader.TryRead(out var change))
                    {
                        batch.Add(change);
                    }

                    foreach (var change in Coalesce(batch))
                    {
                        try
                        {
                            await SendAsync(hub.Clients.Group(DeskHub.GroupOf(change.Site)), change).WaitAsync(SendTimeout, stoppingToken).ConfigureAwait(false);
                        }
                        catch (TimeoutException)
                        {
                            LogSlowSend(logger, change.Seq);
                        }
                    }

                    if (batch.Count > 0)
                    {
                        Interlocked.Exchange(ref _lastSentSeq, batch.Max(c => c.Seq));
                    }
                }
                finally
                {
                    _gate.Release();
                }

                // A lone change goes out at once; during a burst, what arrives in the next window is sent together.
                await Task.Delay(BatchWindow, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The latest change of each alert in the batch (raised if any of them was), in sequence order.</summary>
    private static IEnumerable<ChangeRecord> Coalesce(List<ChangeRecord> batch)
    {
        var latest = new Dictionary<string, ChangeRecord>(StringComparer.Ordinal);
        var raised = new HashSet<string>(StringComparer.Ordinal);
        var others = new List<ChangeRecord>();
        foreach (var change in batch)
        {
            if (change.Event == DeskEvents.DeviceStatusChanged)
            {
                others.Add(change);
                continue;
            }

            var id = AlertOf(change).Id.ToString();
            latest[id] = change;
            if (change.Event == DeskEvents.AlertRaised)
            {
                raised.Add(id);
            }
        }

        return latest.Select(kv => raised.Contains(kv.Key) ? kv.Value with { Event = DeskEvents.AlertRaised } : kv.Value)
            .Concat(others)
            .OrderBy(c => c.Seq);
    }

    private sealed class Release(SemaphoreSlim gate) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            gate.Release();
            return ValueTask.CompletedTask;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A desk client was too slow to take change {Seq}; it will catch up by sequence number")]
    private static partial void LogSlowSend(ILogger logger, long seq);
}
