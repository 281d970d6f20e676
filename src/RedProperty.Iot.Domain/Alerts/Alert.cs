using RedProperty.Iot.Domain.Contract;

namespace RedProperty.Iot.Domain.Alerts;

/// <summary>
/// The alert aggregate: its state changes only through these methods, each of which checks the
/// lifecycle (active → acknowledged → resolved; resolved → reopened within the flap window) and
/// appends to the audit trail. While acknowledged, the field steps follow: on the way (optional), then
/// arrived on site, once per activation; either on an alert nobody acknowledged yet acknowledges it
/// in the same person's name first (someone who sets out or is there is responding). An alert only staff may close (<see cref="AlertClearing.Staff"/>) is
/// never resolved by the system: when its condition clears it is marked so and stays open.
/// </summary>
public sealed class Alert
{
    public const string SystemUser = "system";

    private readonly List<AlertTransition> _history = [];
    private readonly List<AlertEscalation> _escalations = [];

    private Alert(Guid id, AlertKey key, string zone, DeviceKind kind, AlertSeverity severity, string message, DateTimeOffset raisedAt)
    {
        Id = id;
        Key = key;
        Zone = zone;
        Kind = kind;
        Severity = severity;
        Message = message;
        RaisedAt = raisedAt;
        ActiveSince = raisedAt;
        LastSeenAt = raisedAt;
        Count = 1;
    }

    public Guid Id { get; }

    public AlertKey Key { get; }

    public string Site => Key.Site;

    public string DeviceId => Key.DeviceId;

    public AlertType Type => Key.Type;

    public string Zone { get; }

    public DeviceKind Kind { get; }

    public AlertSeverity Severity { get; private set; }

    public AlertState State { get; private set; }

    public string Message { get; private set; }

    /// <summary>The latest finding of the rules as data (<see cref="Message"/> is its English sentence); null for alerts stored before facts.</summary>
    public AlertFact? Fact { get; private set; }

    public DateTimeOffset RaisedAt { get; }

    /// <summary>When the current activation began (raise or reopen): the SLA clocks run from here.</summary>
    public DateTimeOffset ActiveSince { get; private set; }

    public DateTimeOffset LastSeenAt { get; private set; }

    public int Count { get; private set; }

    public string? AcknowledgedBy { get; private set; }

    public DateTimeOffset? AcknowledgedAt { get; private set; }

    /// <summary>Who is dispatched to the alert (null: nobody on duty could be, or not yet).</summary>
    public string? AssignedTo { get; private set; }

    public DateTimeOffset? AssignedAt { get; private set; }

    public string? OnTheWayBy { get; private set; }

    public DateTimeOffset? OnTheWayAt { get; private set; }

    /// <summary>Who reached the scene first in the current activation (null until someone did).</summary>
    public string? ArrivedBy { get; private set; }

    public DateTimeOffset? ArrivedAt { get; private set; }

    public ArrivalProof? ArrivalProof { get; private set; }

    /// <summary>The sticker's place id, or the desk's reason.</summary>
    public string? ArrivalDetail { get; private set; }

    public string? ResolvedBy { get; private set; }

    public DateTimeOffset? ResolvedAt { get; private set; }

    public string? ResolutionNote { get; private set; }

    /// <summary>Whether the system may close the alert when its condition clears; once staff only, always staff only.</summary>
    public AlertClearing Clearing { get; private set; }

    /// <summary>When the condition of an open alert only staff may close cleared (null while it holds).</summary>
    public DateTimeOffset? ConditionClearedAt { get; private set; }

    public bool IsOpen => State != AlertState.Resolved;

    /// <summary>Open with its condition still present (an open alert the system may close is open exactly while its condition holds).</summary>
    public bool ConditionPresent => IsOpen && ConditionClearedAt is null;

    /// <summary>
    /// Who resolved the alert before its condition brought it back: set while the current activation began
    /// with a reopen that followed a person's resolve (not a clear by the system).
    /// </summary>
    public string? ReopenedAfterResolveBy
    {
        get
        {
            if (!IsOpen)
            {
                return null;
            }

            for (var i = _history.Count - 1; i >= 0; i--)
            {
                switch (_history[i].Action)
                {
                    case AlertTransition.Raised:
                        return null;
                    case AlertTransition.Reopened:
                        for (var j = i - 1; j >= 0; j--)
                        {
                            if (_history[j].Action is AlertTransition.Resolved or AlertTransition.Cleared)
                            {
                                return _history[j].Action == AlertTransition.Resolved ? _history[j].By : null;
                            }
                        }

                        return null;
                }
            }

            return null;
        }
    }

    public IReadOnlyList<AlertTransition> History => _history;

    public IReadOnlyList<AlertEscalation> Escalations => _escalations;

    /// <summary>Rebuilds an alert exactly as stored (no transition is recorded).</summary>
    public static Alert Restore(AlertSnapshot snapshot)
    {
        var alert = new Alert(snapshot.Id, snapshot.Key, snapshot.Zone, snapshot.Kind, snapshot.Severity, snapshot.Message, snapshot.RaisedAt)
        {
            State = snapshot.State,
            ActiveSince = snapshot.ActiveSince,
            LastSeenAt = snapshot.LastSeenAt,
            Count = snapshot.Count,
            AcknowledgedBy = snapshot.AcknowledgedBy,
            AcknowledgedAt = snapshot.AcknowledgedAt,
            ResolvedBy = snapshot.ResolvedBy,
            ResolvedAt = snapshot.ResolvedAt,
            ResolutionNote = snapshot.ResolutionNote,
            Clearing = snapshot.Clearing,
            ConditionClearedAt = snapshot.ConditionClearedAt,
            Fact = snapshot.Fact,
            OnTheWayBy = snapshot.OnTheWayBy,
            OnTheWayAt = snapshot.OnTheWayAt,
            ArrivedBy = snapshot.ArrivedBy,
            ArrivedAt = snapshot.ArrivedAt,
            ArrivalProof = snapshot.ArrivalProof,
            ArrivalDetail = snapshot.ArrivalDetail,
            AssignedTo = snapshot.AssignedTo,
            AssignedAt = snapshot.AssignedAt,
        };
        alert._history.AddRange(snapshot.History);
        alert._escalations.AddRange(snapshot.Escalations);
        return alert;
    }

    public AlertSnapshot ToSnapshot() => new(
        Id, Key, Zone, Kind, Severity, State, Message, RaisedAt, ActiveSince, LastSeenAt, Count,
        AcknowledgedBy, AcknowledgedAt, ResolvedBy, ResolvedAt, ResolutionNote, [.. _history], [.. _escalations], Clearing, ConditionClearedAt, Fact,
        OnTheWayBy, OnTheWayAt, ArrivedBy, ArrivedAt, ArrivalProof, ArrivalDetail, AssignedTo, AssignedAt);

    public static Alert Raise(Guid id, AlertKey key, string zone, DeviceKind kind, AlertSeverity severity, string message, DateTimeOffset at, AlertFact? fact = null, AlertClearing clearing = AlertClearing.Automatic)
    {
        var alert = new Alert(id, key, zone, kind, severity, message, at) { Clearing = clearing, Fact = fact };
        alert.Record(at, AlertTransition.Raised, SystemUser, message, fact);
        return alert;
    }

    /// <summary>
    /// The condition fired again while the alert is open: count it, not a new alert. For a cause only staff
    /// may close, the alert becomes staff only (recorded); if its condition had cleared, it is back (recorded).
    /// </summary>
    public bool Repeat(DateTimeOffset at, string message, AlertFact? fact = null, AlertClearing clearing = AlertClearing.Automatic)
    {
        if (!IsOpen)
        {
            return false;
        }

        Count++;
        LastSeenAt = at;
        Message = message;
        Fact = fact;
        if (clearing == AlertClearing.Staff && Clearing != AlertClearing.Staff)
        {
            Clearing = AlertClearing.Staff;
            Record(at, AlertTransition.StaffRequired, SystemUser, message, fact);
        }

        if (ConditionClearedAt is not null)
        {
            ConditionClearedAt = null;
            Record(at, AlertTransition.ConditionReturned, SystemUser, message, fact);
        }

        return true;
    }

    public AlertCommandResult Acknowledge(string by, DateTimeOffset at, string? note = null)
    {
        if (string.IsNullOrWhiteSpace(by))
        {
            return new(AlertCommandOutcome.NotAllowed, "an acknowledgement needs the name of who acknowledges");
        }

        if (State != AlertState.Active)
        {
            return new(AlertCommandOutcome.NotAllowed, $"the alert is {State.ToWire()}, only an active alert can be acknowledged");
        }

        State = AlertState.Acknowledged;
        AcknowledgedBy = by;
        AcknowledgedAt = at;
        Record(at, AlertTransition.Acknowledged, by, note);
        return AlertCommandResult.Done;
    }

    /// <summary>
    /// Dispatches the alert to <paramref name="to"/> (the roster's choice when <paramref name="by"/> is the system,
    /// or the desk reassigning it). Refused on a resolved alert; the same person again changes nothing.
    /// </summary>
    public AlertCommandResult Assign(string to, string by, DateTimeOffset at)
    {
        if (string.IsNullOrWhiteSpace(to) || string.IsNullOrWhiteSpace(by))
        {
            return new(AlertCommandOutcome.NotAllowed, "an assignment needs whom and by whom");
        }

        if (!IsOpen)
        {
            return new(AlertCommandOutcome.NotAllowed, "the alert is resolved");
        }

        if (string.Equals(AssignedTo, to, StringComparison.OrdinalIgnoreCase))
        {
            return AlertCommandResult.Done;
        }

        AssignedTo = to;
        AssignedAt = at;
        Record(at, AlertTransition.Assigned, by, $"to {to}");
        return AlertCommandResult.Done;
    }

    /// <summary>
    /// A worker sets out for the scene. Refused once someone arrived or on a resolved alert; the same worker
    /// again changes nothing (a phone's retried request); another worker is refused with who is on the way.
    /// </summary>
    public AlertCommandResult SetOut(string by, DateTimeOffset at)
    {
        if (string.IsNullOrWhiteSpace(by))
        {
            return new(AlertCommandOutcome.NotAllowed, "setting out needs the name of who goes");
        }

        if (!IsOpen)
        {
            return new(AlertCommandOutcome.NotAllowed, "the alert is resolved");
        }

        if (ArrivedAt is { } arrived)
        {
            return new(AlertCommandOutcome.NotAllowed, $"{ArrivedBy} is on site already (since {arrived:u})");
        }

        if (OnTheWayBy is { } going)
        {
            return string.Equals(going, by, StringComparison.OrdinalIgnoreCase)
                ? AlertCommandResult.Done
                : new(AlertCommandOutcome.NotAllowed, $"{going} is on the way already (since {OnTheWayAt:u})");
        }

        AcknowledgeOnTheSpot(by, at);
        OnTheWayBy = by;
        OnTheWayAt = at;
        Record(at, AlertTransition.OnTheWay, by, null);
        return AlertCommandResult.Done;
    }

    /// <summary>
    /// A worker is at the scene: proven by the place's sticker (<paramref name="detail"/> is its place id) or
    /// confirmed by the desk (<paramref name="detail"/> is the reason, required). Once per activation: a second
    /// arrival is refused with who arrived when.
    /// </summary>
    public AlertCommandResult Arrive(string by, DateTimeOffset at, ArrivalProof proof, string? detail)
    {
        if (string.IsNullOrWhiteSpace(by))
        {
            return new(AlertCommandOutcome.NotAllowed, "an arrival needs the name of who arrived");
        }

        if (string.IsNullOrWhiteSpace(detail))
        {
            return proof == Alerts.ArrivalProof.Desk
                ? new(AlertCommandOutcome.NoteRequired, "the desk confirms an arrival with a reason (a call, the camera, no sticker there)")
                : new(AlertCommandOutcome.NotAllowed, "an arrival by sticker needs the sticker's place");
        }

        if (!IsOpen)
        {
            return new(AlertCommandOutcome.NotAllowed, "the alert is resolved");
        }

        if (ArrivedAt is { } arrived)
        {
            return new(AlertCommandOutcome.NotAllowed, $"{ArrivedBy} arrived already (at {arrived:u})");
        }

        AcknowledgeOnTheSpot(by, at);
        ArrivedBy = by;
        ArrivedAt = at;
        ArrivalProof = proof;
        ArrivalDetail = detail.Trim();
        Record(at, AlertTransition.Arrived, by, $"{proof.ToWire()}: {ArrivalDetail}");
        return AlertCommandResult.Done;
    }

    public AlertCommandResult Resolve(string by, string? note, DateTimeOffset at)
    {
        if (string.IsNullOrWhiteSpace(note))
        {
            return new(AlertCommandOutcome.NoteRequired, "resolving an alert needs a note saying what was done");
        }

        if (string.IsNullOrWhiteSpace(by))
        {
            return new(AlertCommandOutcome.NotAllowed, "resolving needs the name of who resolves");
        }

        if (!IsOpen)
        {
            return new(AlertCommandOutcome.NotAllowed, "the alert is already resolved");
        }

        MarkResolved(by, note.Trim(), at, AlertTransition.Resolved);
        return AlertCommandResult.Done;
    }

    /// <summary>The condition cleared: the alert resolves itself (by <see cref="SystemUser"/>), unless only staff may close it.</summary>
    public bool Clear(DateTimeOffset at, string reason, AlertFact? fact = null)
    {
        if (!IsOpen || Clearing == AlertClearing.Staff)
        {
            return false;
        }

        MarkResolved(SystemUser, reason, at, AlertTransition.Cleared, fact);
        return true;
    }

    /// <summary>The condition of an open alert only staff may close has cleared: it stays open, awaiting a person.</summary>
    public bool MarkConditionCleared(DateTimeOffset at, string reason, AlertFact? fact = null)
    {
        if (!IsOpen || Clearing != AlertClearing.Staff || ConditionClearedAt is not null)
        {
            return false;
        }

        ConditionClearedAt = at;
        Record(at, AlertTransition.ConditionCleared, SystemUser, reason, fact);
        return true;
    }

    /// <summary>
    /// The rule says the condition has cleared: the alert clears itself or, if only staff may close it, is
    /// marked as cleared and stays open. Returns the transition recorded, or null when nothing changed.
    /// </summary>
    public string? ConditionEnded(DateTimeOffset at, string reason, AlertFact? fact = null) =>
        Clearing == AlertClearing.Staff
            ? MarkConditionCleared(at, reason, fact) ? AlertTransition.ConditionCleared : null
            : Clear(at, reason, fact) ? AlertTransition.Cleared : null;

    /// <summary>A resolved alert that fires again within the window reopens rather than flapping into a new one.</summary>
    public bool CanReopen(DateTimeOffset at, TimeSpan window) => State == AlertState.Resolved && ResolvedAt is { } resolved && at - resolved <= window;

    public bool Reopen(DateTimeOffset at, string message, TimeSpan window, AlertFact? fact = null, AlertClearing clearing = AlertClearing.Automatic)
    {
        if (!CanReopen(at, window))
        {
            return false;
        }

        State = AlertState.Active;
        Clearing = clearing == AlertClearing.Staff ? clearing : Clearing;
        ConditionClearedAt = null;
        ActiveSince = at;
        LastSeenAt = at;
        Count++;
        Message = message;
        Fact = fact;
        AcknowledgedBy = null;
        AcknowledgedAt = null;
        ResolvedBy = null;
        ResolvedAt = null;
        ResolutionNote = null;
        OnTheWayBy = null;
        OnTheWayAt = null;
        ArrivedBy = null;
        ArrivedAt = null;
        ArrivalProof = null;
        ArrivalDetail = null;
        Record(at, AlertTransition.Reopened, SystemUser, message, fact);
        return true;
    }

    /// <summary>Records an SLA miss once per activation and reason.</summary>
    public bool Escalate(string reason, DateTimeOffset at)
    {
        if (!IsOpen || HasEscalated(reason))
        {
            return false;
        }

        _escalations.Add(new AlertEscalation(reason, at));
        Record(at, AlertTransition.Escalated, SystemUser, reason);
        return true;
    }

    public bool HasEscalated(string reason) => _escalations.Exists(e => e.Reason == reason && e.At >= ActiveSince);

    public AlertCommandResult ChangeSeverity(string by, AlertSeverity severity, string? note, DateTimeOffset at)
    {
        if (!IsOpen)
        {
            return new(AlertCommandOutcome.NotAllowed, "a resolved alert keeps its severity");
        }

        if (severity == Severity)
        {
            return AlertCommandResult.Done;
        }

        Severity = severity;
        Record(at, AlertTransition.SeverityChanged, by, note);
        return AlertCommandResult.Done;
    }

    private void AcknowledgeOnTheSpot(string by, DateTimeOffset at)
    {
        if (State == AlertState.Active)
        {
            State = AlertState.Acknowledged;
            AcknowledgedBy = by;
            AcknowledgedAt = at;
            Record(at, AlertTransition.Acknowledged, by, null);
        }
    }

    private void MarkResolved(string by, string note, DateTimeOffset at, string action, AlertFact? fact = null)
    {
        State = AlertState.Resolved;
        ResolvedBy = by;
        ResolvedAt = at;
        ResolutionNote = note;
        Record(at, action, by, note, fact);
    }

    private void Record(DateTimeOffset at, string action, string by, string? note, AlertFact? fact = null) =>
        _history.Add(new AlertTransition(at, action, by, note, Severity, fact));
}
