using System.Collections.Concurrent;
using System.Threading.Channels;
using RedProperty.Iot.Hub.ChangeLog;
using RedProperty.Iot.Hub.Devices;
using RedProperty.Iot.Hub.Storage;
using RedProperty.Iot.Hub.TimeSeries;
using RedProperty.Iot.Hub.Views;

namespace RedProperty.Iot.Hub.Alerts;

/// <summary>A device went online or offline (for the desk's device panel).</summary>
public sealed record DeviceStatusChange(Device Device, DeviceStatus Status, DateTimeOffset At);

public enum AlertActionOutcome
{
    Done,
    NotFound,
    NotAllowed,
    NoteRequired,
}

public readonly record struct AlertActionResult(AlertActionOutcome Outcome, AlertView? Alert = null, string? Problem = null);

/// <summary>Something stored in the same transaction as a staff action's change, so both are kept or neither (e.g. a centre's command marked done).</summary>
public delegate Task AlertActionReceipt(Microsoft.Data.Sqlite.SqliteTransaction transaction, AlertView committed, CancellationToken cancellationToken);

/// <summary>A rule's signal and when the hub received what caused it.</summary>
public readonly record struct JudgedSignal(AlertSignal Signal, DateTimeOffset At);

/// <summary>A signal the rules judged on the clock, with the check that it still holds when applied.</summary>
internal sealed record TimedSignal(AlertSignal Signal, Func<AlertSignal, bool> StillHolds);

/// <summary>
/// Owns the alert lifecycle in the hub: applies rule signals (raise, repeat, reopen, clear), staff
/// actions and escalations, one at a time, so there is only ever one open alert per (site, device,
/// type). Each change is committed to the store before it is published to the desk and InfluxDB.
/// </summary>
public sealed partial class AlertService : BackgroundService
{
    private readonly HubDatabase _database;
    private readonly AlertStore _store;
    private readonly ChangeLogStore _changeLog;
    private readonly EscalationPolicy _policy;
    private readonly ClearingPolicy _clearing;
    private readonly DeviceStates _devices;
    private readonly DeviceRegistry _registry;
    private readonly TimeProvider _time;
    private readonly DeskChangeFeed _feed;
    private readonly ConsumerCursorStore _cursors;
    private readonly PointOutbox _points;
    private readonly IAlertChangeOutbox[] _outboxes;
    private readonly IAlertDispatcher? _dispatcher;
    private readonly ILogger<AlertService> _logger;
    private readonly Channel<object> _work = Channel.CreateBounded<object>(new BoundedChannelOptions(100_000) { SingleReader = true });
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // One change at a time, in change-log order: held by the writers across their SQLite transaction.
    private readonly AsyncGate _gate = new();
    private readonly Dictionary<AlertKey, (Alert Alert, long Seq)> _live = [];

    // What readers see (the siren, the desk's snapshot, the REST list): a copy of each live alert as last
    // committed, behind a short lock, so that no reader waits for a write to the database.
    private readonly Lock _publishedGate = new();
    private readonly Dictionary<AlertKey, (Alert Alert, long Seq)> _published = [];
    private readonly ConcurrentDictionary<Guid, AlertEvidence> _evidence = new();
    private readonly Channel<AlertView> _raised = Channel.CreateBounded<AlertView>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly Dictionary<Guid, AlertKey> _keysById = [];

    // Repeats arrive at telemetry rate; their count and last-seen time are stored and pushed at most
    // this often per alert (and at once when anything else happens to the alert), not per reading. A
    // person's repeat (another resident reporting the same thing) is rare and news: stored at once.
    private static readonly TimeSpan RepeatFlushInterval = TimeSpan.FromSeconds(5);
    private readonly Dictionary<Guid, DateTimeOffset> _lastRepeatFlush = [];
    private readonly HashSet<Guid> _unflushedRepeats = [];

    public AlertService(
        HubDatabase database,
        AlertStore store,
        ChangeLogStore changeLog,
        EscalationPolicy policy,
        ClearingPolicy clearing,
        DeviceStates devices,
        DeviceRegistry registry,
        TimeProvider time,
        DeskChangeFeed feed,
        ConsumerCursorStore cursors,
        PointOutbox points,
        IEnumerable<IAlertChangeOutbox> outboxes,
        ILogger<AlertService> logger,
        IAlertDispatcher? dispatcher = null)
    {
        _database = database;
        _store = store;
        _changeLog = changeLog;
        _policy = policy;
        _clearing = clearing;
        _devices = devices;
        _registry = registry;
        _time = time;
        _feed = feed;
        _cursors = cursors;
        _points = points;
        _outboxes = [.. outboxes];
        _dispatcher = dispatcher;
        _logger = logger;
    }

    /// <summary>Loads open alerts (and recently resolved ones, which may reopen) from the store.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        var live = await _store.LoadLiveAsync(_time.GetUtcNow() - EscalationPolicy.ReopenWindow, cancellationToken).ConfigureAwait(false);
        foreach (var (id, evidence) in await _store.LoadEvidenceAsync(cancellationToken).ConfigureAwait(false))
        {
            _evidence[id] = evidence;
        }

        await _gate.RunAsync(_ =>
        {
            foreach (var (alert, seq) in live)
            {
                Remember(alert, seq);
            }

            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether a critical alert of the site awaits response (the siren), without building views.</summary>
    public bool AnyCriticalAwaitingResponse(string site)
    {
        lock (_publishedGate)
        {
            foreach (var (alert, _) in _published.Values)
            {
                if (alert.State == AlertState.Active && alert.Severity == AlertSeverity.Critical && alert.Site == site)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Alerts just raised or reopened, for the cameras to take evidence of (the oldest are dropped if nobody keeps up).</summary>
    public ChannelReader<AlertView> RaisedAlerts => _raised.Reader;

    public AlertEvidence? EvidenceOf(Guid id) => _evidence.GetValueOrDefault(id);

    /// <summary>The view of an alert as clients get it: with its camera evidence and its device's latest reading.</summary>
    public AlertView ViewOf(Alert alert, long seq) => AlertView.From(alert, seq, _policy, EvidenceOf(alert.Id), ReadingOf(alert), PlaceOf(alert));

    /// <summary>An alert with its audit trail, its evidence and its device's latest reading (<c>GET /api/alerts/{id}</c>).</summary>
    public AlertDetailView DetailOf(Alert alert, long seq) => AlertDetailView.From(alert, seq, _policy, EvidenceOf(alert.Id), ReadingOf(alert), PlaceOf(alert));

    /// <summary>Where someone goes for the alert: its device's place (the device's zone unless the registry names a place).</summary>
    public Place? PlaceOf(Alert alert) =>
        _registry.SitesById.TryGetValue(alert.Site, out var site)
            ? site.Places.GetValueOrDefault(
                site.Devices.TryGetValue(alert.DeviceId, out var device) ? device.Place
                // A resident's report names its place in its key: resident/{category}/{place}.
                : alert.Kind == DeviceKind.Resident && ResidentReportKey.TryParse(alert.DeviceId, out _, out var reported) ? reported
                : alert.Zone)
            : null;

    /// <summary>The open alert of a key, as last committed (null: none open).</summary>
    public AlertView? OpenAlertOf(AlertKey key)
    {
        (Alert Alert, long Seq) found;
        lock (_publishedGate)
        {
            if (!_published.TryGetValue(key, out found) || !found.Alert.IsOpen)
            {
                return null;
            }
        }

        return ViewOf(found.Alert, found.Seq);
    }

    /// <summary>An alert with its trail, live or stored (null: no such alert on this instance).</summary>
    public async Task<AlertDetailView?> DetailAsync(Guid id, CancellationToken cancellationToken) =>
        await _store.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } found ? DetailOf(found.Alert, found.Seq) : null;

    private DeviceReadingView? ReadingOf(Alert alert) => _devices.TryGet(alert.Site, alert.DeviceId, out var device) ? device.LatestReading() : null;

    /// <summary>Attaches an evidence file (a kind of <see cref="AlertEvidence"/>) to an alert and tells the desk (the alert's view now carries its URL).</summary>
    public Task<bool> AttachEvidenceAsync(Guid id, string kind, string url, CancellationToken cancellationToken) =>
        _gate.RunAsync(async ct =>
        {
            if (await FindAsync(id, ct).ConfigureAwait(false) is not ({ } alert, _))
            {
                return false;
            }

            var current = _evidence.GetValueOrDefault(id) ?? AlertEvidence.None;
            if (current.UrlOf(kind) == url)
            {
                // The same file again (a phone's retried upload): nothing new to store or announce.
                return true;
            }

            await _store.SaveEvidenceAsync(id, kind, url, _time.GetUtcNow(), ct).ConfigureAwait(false);
            _evidence[id] = current.With(kind, url);
            await CommitAsync(alert, EvidenceAction, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>Open alerts of one device, for rebuilding rule state after a restart.</summary>
    public IReadOnlyList<AlertType> OpenTypesOf(Device device)
    {
        lock (_publishedGate)
        {
            return _published.Values.Where(a => a.Alert.IsOpen && a.Alert.Site == device.Site && a.Alert.DeviceId == device.Id).Select(a => a.Alert.Type).ToArray();
        }
    }

    public IReadOnlyList<AlertView> OpenAlerts(IReadOnlyCollection<string>? sites)
    {
        (Alert Alert, long Seq)[] open;
        lock (_publishedGate)
        {
            open = [.. _published.Values.Where(a => a.Alert.IsOpen && (sites is null || sites.Contains(a.Alert.Site)))];
        }

        // The copies are never changed, so their views are made outside the lock.
        return [.. open.Select(a => ViewOf(a.Alert, a.Seq))];
    }

    /// <summary>Completes once the alerts kept in the store are loaded.</summary>
    public Task Loaded => _loaded.Task;

    /// <summary>Queues signals from the rules (never blocks ingestion for long: the queue is large).</summary>
    public async ValueTask SubmitAsync(IReadOnlyList<AlertSignal> signals, CancellationToken cancellationToken)
    {
        foreach (var signal in signals)
        {
            await _work.Writer.WriteAsync(signal, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Queues what the rules judged on the clock alone (a device's silence, an e-bike no longer seen). The alert
    /// pipeline applies what it judges from messages directly, so a message judged after such a signal can be
    /// applied before it: each one is applied only if, in its turn, <paramref name="stillHolds"/> (the rules'
    /// current state) still says so. Otherwise a device that spoke just then would be left with an open
    /// device_offline alert that nothing clears.
    /// </summary>
    public async ValueTask SubmitTimedAsync(IReadOnlyList<AlertSignal> signals, Func<AlertSignal, bool> stillHolds, CancellationToken cancellationToken)
    {
        foreach (var signal in signals)
        {
            await _work.Writer.WriteAsync(new TimedSignal(signal, stillHolds), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Queues a device's status change for the desk (stored in the change log first, like alerts).</summary>
    public ValueTask SubmitAsync(DeviceStatusChange change, CancellationToken cancellationToken) =>
        _work.Writer.WriteAsync(change, cancellationToken);

    public Task<AlertActionResult> AcknowledgeAsync(Guid id, string by, string? note, CancellationToken cancellationToken, AlertActionReceipt? receipt = null) =>
        ActAsync(id, alert => alert.Acknowledge(by, _time.GetUtcNow(), note), receipt, cancellationToken);

    public Task<AlertActionResult> SetOutAsync(Guid id, string by, CancellationToken cancellationToken, AlertActionReceipt? receipt = null) =>
        ActAsync(id, alert => alert.SetOut(by, _time.GetUtcNow()), receipt, cancellationToken);

    /// <summary>The desk confirms that someone is on site, with a reason.</summary>
    public Task<AlertActionResult> ConfirmArrivalAsync(Guid id, string by, string? reason, CancellationToken cancellationToken, AlertActionReceipt? receipt = null) =>
        ActAsync(id, alert => alert.Arrive(by, _time.GetUtcNow(), ArrivalProof.Desk, reason), receipt, cancellationToken);

    /// <summary>A worker proves arrival with the sticker of a place: only the alert's own place counts.</summary>
    public Task<AlertActionResult> ArriveAtAsync(Guid id, string by, string site, Place place, CancellationToken cancellationToken, AlertActionReceipt? receipt = null) =>
        ActAsync(id, alert =>
        {
            var at = PlaceOf(alert);
            return alert.Site == site && at?.Id == place.Id
                ? alert.Arrive(by, _time.GetUtcNow(), ArrivalProof.Sticker, place.Id)
                : new AlertCommandResult(AlertCommandOutcome.NotAllowed,
                    $"Wrong place: this sticker is at {place.Name} ({site}/{place.Id}); the alert is at {at?.Name ?? alert.Zone} ({alert.Site}/{at?.Id ?? alert.Zone}).");
        }, receipt, cancellationToken);

    public Task<AlertActionResult> ResolveAsync(Guid id, string by, string? note, CancellationToken cancellationToken, AlertActionReceipt? receipt = null) =>
        ActAsync(id, alert => alert.Resolve(by, note, _time.GetUtcNow()), receipt, cancellationToken);

    /// <summary>Records every escalation that has fallen due.</summary>
    public async Task EscalateDueAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        await _gate.RunAsync(async ct =>
        {
            foreach (var (alert, _) in _live.Values.ToArray())
            {
                if (_unflushedRepeats.Contains(alert.Id) && now - _lastRepeatFlush.GetValueOrDefault(alert.Id, DateTimeOffset.MinValue) >= RepeatFlushInterval)
                {
                    await CommitAsync(alert, "repeated", ct).ConfigureAwait(false);
                }

                var changed = false;
                foreach (var reason in _policy.Due(alert, now))
                {
                    changed |= alert.Escalate(reason, now);
                    LogEscalated(_logger, alert.Key.ToString(), reason);
                }

                if (changed)
                {
                    await CommitAsync(alert, AlertTransition.Escalated, ct).ConfigureAwait(false);
                }

                // Resolved alerts stay in memory only while they may still reopen.
                if (!alert.IsOpen && alert.ResolvedAt < now - EscalationPolicy.ReopenWindow)
                {
                    Forget(alert);
                }
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await LoadAsync(stoppingToken).ConfigureAwait(false);
            _loaded.TrySetResult();
            await foreach (var work in _work.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    switch (work)
                    {
                        case AlertSignal signal:
                            await ApplyAsync(signal, stoppingToken).ConfigureAwait(false);
                            break;
                        case TimedSignal timed:
                            await ApplyTimedAsync(timed, stoppingToken).ConfigureAwait(false);
                            break;
                        case DeviceStatusChange change:
                            await PublishStatusAsync(change, stoppingToken).ConfigureAwait(false);
                            break;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogWorkFailed(_logger, ex, work.ToString());
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private Task ApplyTimedAsync(TimedSignal timed, CancellationToken cancellationToken) =>
        _gate.RunAsync(async ct =>
        {
            // Checked while holding the gate: the pipeline judges first and applies under the gate, so whatever
            // it judged before this check has either been applied already or will be applied after this signal.
            if (!timed.StillHolds(timed.Signal))
            {
                LogOvertaken(_logger, timed.Signal.Key.ToString(), timed.Signal.Kind);
                return;
            }

            var staged = new List<StagedChange>();
            Decide(timed.Signal, _time.GetUtcNow(), staged);
            if (staged.Count > 0)
            {
                await CommitAsync(staged, null, ct).ConfigureAwait(false);
            }
        }, cancellationToken);

    /// <summary>Applies one signal at once, as of now (tests, the rules' clock).</summary>
    public Task ApplyAsync(AlertSignal signal, CancellationToken cancellationToken) =>
        ApplyJudgedAsync([new JudgedSignal(signal, _time.GetUtcNow())], null, cancellationToken);

    /// <summary>
    /// Applies what the rules judged, each signal as of when what caused it was received, in ONE transaction
    /// that also stores <paramref name="cursor"/> (how far the alert pipeline has judged the ingest journal):
    /// after a crash the pipeline resumes exactly after the last records whose alerts were stored.
    /// </summary>
    public Task ApplyJudgedAsync(IReadOnlyList<JudgedSignal> signals, ConsumerCursor? cursor, CancellationToken cancellationToken) =>
        _gate.RunAsync(async ct =>
        {
            var staged = new List<StagedChange>();
            foreach (var (signal, at) in signals)
            {
                Decide(signal, at, staged);
            }

            if (staged.Count > 0 || cursor is not null)
            {
                await CommitAsync(staged, cursor, ct).ConfigureAwait(false);
            }
        }, cancellationToken);

    /// <summary>What one signal does to the live alerts (callers hold the gate); changes to store are staged.</summary>
    private void Decide(AlertSignal signal, DateTimeOffset now, List<StagedChange> staged)
    {
        _live.TryGetValue(signal.Key, out var existing);
        var alert = existing.Alert;
        if (signal.Kind == AlertSignalKind.Clear)
        {
            // The system closes the alert, or (only staff may close it) marks its condition cleared.
            if (alert?.ConditionEnded(now, signal.Message, signal.Fact) is { } ended)
            {
                Stage(staged, alert, ended, now);
                if (ended == AlertTransition.ConditionCleared)
                {
                    LogAwaitingStaff(_logger, alert.Key.ToString(), signal.Message);
                }
            }

            return;
        }

        var clearing = _clearing.For(signal.Type, signal.Cause);
        if (alert is { IsOpen: true })
        {
            var audited = alert.History.Count;
            alert.Repeat(now, signal.Message, signal.Fact, clearing);
            if (alert.History.Count > audited)
            {
                // The condition came back, or the alert became staff only: a transition, told at once.
                Stage(staged, alert, alert.History[^1].Action, now);
            }
            else if (signal.Cause == AlertCause.Person || now - _lastRepeatFlush.GetValueOrDefault(alert.Id, DateTimeOffset.MinValue) >= RepeatFlushInterval)
            {
                _lastRepeatFlush[alert.Id] = now;
                Stage(staged, alert, "repeated", now);
            }
            else
            {
                // Stored and told with the next flush; readers see the count now, as they always did.
                _unflushedRepeats.Add(alert.Id);
                Show(alert, existing.Seq);
            }
        }
        else if (alert is not null && alert.Reopen(now, signal.Message, EscalationPolicy.ReopenWindow, signal.Fact, clearing))
        {
            Dispatch(alert, now);
            Stage(staged, alert, AlertTransition.Reopened, now);
        }
        else
        {
            var zone = signal.Device.Zone;
            var raised = Alert.Raise(Guid.NewGuid(), signal.Key, zone, signal.Device.Kind, signal.Severity, signal.Message, now, signal.Fact, clearing);
            // Later signals of the same batch find it.
            Dispatch(raised, now);
            _live[raised.Key] = (raised, 0);
            _keysById[raised.Id] = raised.Key;
            Stage(staged, raised, AlertTransition.Raised, now);
            LogRaised(_logger, signal.Key.ToString(), signal.Severity, signal.Message);
        }
    }

    /// <summary>
    /// A change to store: the live alert and a copy of it as it is now (a batch may change one alert twice,
    /// and each change-log entry shows the alert as that change left it).
    /// </summary>
    private sealed record StagedChange(Alert Live, Alert AsChanged, string Action, DateTimeOffset At);

    private static void Stage(List<StagedChange> staged, Alert alert, string action, DateTimeOffset at) =>
        staged.Add(new StagedChange(alert, Alert.Restore(alert.ToSnapshot()), action, at));

    /// <summary>Assigns a new or reopened alert to whom the roster says, in the change that raises it (callers hold the gate).</summary>
    private void Dispatch(Alert alert, DateTimeOffset now)
    {
        if (_dispatcher is null)
        {
            return;
        }

        var load = _live.Values
            .Where(a => a.Alert.IsOpen && a.Alert.AssignedTo is not null)
            .GroupBy(a => a.Alert.AssignedTo!, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);
        if (_dispatcher.Choose(alert, now, load) is { } to)
        {
            alert.Assign(to, Alert.SystemUser, now);
        }
    }

    /// <summary>The desk hands an alert to another member of staff.</summary>
    public Task<AlertActionResult> AssignAsync(Guid id, string to, string by, CancellationToken cancellationToken, AlertActionReceipt? receipt = null) =>
        ActAsync(id, alert => alert.Assign(to, by, _time.GetUtcNow()), receipt, cancellationToken);

    /// <summary>The live instance of an alert, or the stored one (callers hold the gate).</summary>
    private async Task<(Alert Alert, long Seq)?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        if (_keysById.TryGetValue(id, out var key) && _live.TryGetValue(key, out var live) && live.Alert.Id == id)
        {
            return live;
        }

        return await _store.GetAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <param name="receipt">Stored in the transaction of the action's change (when it makes one): e.g. that a command was carried out.</param>
    private Task<AlertActionResult> ActAsync(Guid id, Func<Alert, AlertCommandResult> action, AlertActionReceipt? receipt, CancellationToken cancellationToken) =>
        _gate.RunAsync(async ct =>
        {
            if (await FindAsync(id, ct).ConfigureAwait(false) is not ({ } alert, var current))
            {
                return new AlertActionResult(AlertActionOutcome.NotFound, Problem: $"no alert {id}");
            }

            var recorded = alert.History.Count;
            var result = action(alert);
            if (!result.IsDone)
            {
                return new AlertActionResult(result.Outcome == AlertCommandOutcome.NoteRequired ? AlertActionOutcome.NoteRequired : AlertActionOutcome.NotAllowed, Problem: result.Problem);
            }

            if (alert.History.Count == recorded)
            {
                // Done before (a retried request, a severity it already had): nothing to store or announce.
                return new AlertActionResult(AlertActionOutcome.Done, ViewOf(alert, current));
            }

            var seq = await CommitAsync([new StagedChange(alert, alert, alert.History[^1].Action, _time.GetUtcNow())], null, ct, receipt).ConfigureAwait(false);
            return new AlertActionResult(AlertActionOutcome.Done, ViewOf(alert, seq));
        }, cancellationToken);

    private async Task<long> CommitAsync(Alert alert, string action, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        return await CommitAsync([new StagedChange(alert, alert, action, now)], null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Store first (each change with its change-log entry, and the cursor, in one transaction), then tell: the
    /// desk feed and the alerts time series. Returns the number of the last change.
    /// </summary>
    private async Task<long> CommitAsync(IReadOnlyList<StagedChange> staged, ConsumerCursor? cursor, CancellationToken cancellationToken, AlertActionReceipt? receipt = null)
    {
        List<DeskChange.AlertChanged> changes;
        try
        {
            changes = await _database.InTransactionAsync(async (transaction, ct) =>
            {
                var made = new List<DeskChange.AlertChanged>(staged.Count);
                foreach (var change in staged)
                {
                    // Only a new alert is raised; every later change of it is an update.
                    var raised = change.Action == AlertTransition.Raised;
                    var logged = await _changeLog.AppendAsync(transaction, seq => new DeskChange.AlertChanged(seq, change.AsChanged.Site, ViewOf(change.AsChanged, seq), raised), ct).ConfigureAwait(false);
                    await _store.SaveAsync(transaction, change.AsChanged, logged.Seq, ct).ConfigureAwait(false);
                    foreach (var outbox in _outboxes)
                    {
                        await outbox.StageAsync(transaction, logged.Alert, change.Action, change.At, ct).ConfigureAwait(false);
                    }

                    made.Add(logged);
                }

                if (cursor is { } at)
                {
                    await _cursors.SaveAsync(transaction, at, ct).ConfigureAwait(false);
                }

                if (receipt is not null)
                {
                    await receipt(transaction, made[^1].Alert, ct).ConfigureAwait(false);
                }

                return made;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Nothing was stored: the live alerts must not keep what the database does not have.
            await ReloadAsync(cancellationToken).ConfigureAwait(false);
            throw;
        }

        foreach (var outbox in _outboxes)
        {
            outbox.Committed();
        }

        for (var i = 0; i < staged.Count; i++)
        {
            var (live, _, action, at) = staged[i];
            var change = changes[i];
            Remember(live, change.Seq);
            _unflushedRepeats.Remove(live.Id);
            _lastRepeatFlush[live.Id] = at;
            _feed.Publish(change);
            if (action is AlertTransition.Raised or AlertTransition.Reopened)
            {
                _raised.Writer.TryWrite(change.Alert);
            }

            if (action is not ("repeated" or EvidenceAction))
            {
                _points.Add(AlertPoints.Transition(staged[i].AsChanged, action, at), at);
            }
        }

        return changes.Count == 0 ? 0 : changes[^1].Seq;
    }

    /// <summary>Forgets the live alerts and loads them again from the store (after a failed commit).</summary>
    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        _live.Clear();
        _keysById.Clear();
        _unflushedRepeats.Clear();
        lock (_publishedGate)
        {
            _published.Clear();
        }

        foreach (var (alert, seq) in await _store.LoadLiveAsync(_time.GetUtcNow() - EscalationPolicy.ReopenWindow, cancellationToken).ConfigureAwait(false))
        {
            Remember(alert, seq);
        }
    }

    private async Task PublishStatusAsync(DeviceStatusChange change, CancellationToken cancellationToken)
    {
        var device = change.Device;
        var status = change.Status.ToString().ToLowerInvariant();
        var logged = await _database.InTransactionAsync(
            (transaction, ct) => _changeLog.AppendAsync(
                transaction,
                seq => new DeskChange.DeviceStatusChanged(seq, device.Site, new DeviceStatusView(seq, device.Site, device.Zone, device.Id, device.Kind.ToWire(), status, change.At)),
                ct),
            cancellationToken).ConfigureAwait(false);
        _feed.Publish(logged);
    }

    private const string EvidenceAction = "evidence";

    /// <summary>Keeps a committed alert (callers hold the gate) and shows readers a copy of it.</summary>
    private void Remember(Alert alert, long seq)
    {
        _live[alert.Key] = (alert, seq);
        _keysById[alert.Id] = alert.Key;
        Show(alert, seq);
    }

    private void Show(Alert alert, long seq)
    {
        var copy = Alert.Restore(alert.ToSnapshot());
        lock (_publishedGate)
        {
            _published[alert.Key] = (copy, seq);
        }
    }

    private void Forget(Alert alert)
    {
        _live.Remove(alert.Key);
        _keysById.Remove(alert.Id);
        _lastRepeatFlush.Remove(alert.Id);
        lock (_publishedGate)
        {
            _published.Remove(alert.Key);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {Key} raised ({Severity}): {Message}")]
    private static partial void LogRaised(ILogger logger, string key, AlertSeverity severity, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {Key}: condition cleared ({Reason}); only staff may close it, it stays open")]
    private static partial void LogAwaitingStaff(ILogger logger, string key, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {Key} escalated: {Reason}")]
    private static partial void LogEscalated(ILogger logger, string key, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Alert {Key}: the clock's {Kind} was overtaken by a message judged after it; not applied")]
    private static partial void LogOvertaken(ILogger logger, string key, AlertSignalKind kind);

    [LoggerMessage(Level = LogLevel.Error, Message = "Applying {Work} failed")]
    private static partial void LogWorkFailed(ILogger logger, Exception exception, string? work);
}
