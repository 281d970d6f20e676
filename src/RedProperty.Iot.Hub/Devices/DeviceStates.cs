using System.Collections.Concurrent;
using RedProperty.Iot.Domain.Alerts.Rules;
using RedProperty.Iot.Domain.TimeSeries;

namespace RedProperty.Iot.Hub.Devices;

/// <summary>The live state of every registered device: online status, last seen, counters, recent rejections.</summary>
public sealed class DeviceStates : IDeviceRuleStates
{
    private readonly ConcurrentDictionary<string, DeviceState> _states = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, DeviceState>.AlternateLookup<ReadOnlySpan<char>> _byName;
    private readonly DeviceRegistry _registry;
    private readonly TimeProvider _time;

    public DeviceStates(DeviceRegistry registry, TimeProvider time)
    {
        _registry = registry;
        _time = time;
        _byName = _states.GetAlternateLookup<ReadOnlySpan<char>>();
        var now = time.GetUtcNow();
        foreach (var device in registry.Devices)
        {
            _states[device.UserName] = new DeviceState(device, DeviceRuleState.Watch(device, registry, now));
        }
    }

    IEnumerable<DeviceRuleState> IDeviceRuleStates.All => _states.Values.Select(s => s.Rules);

    DeviceRuleState IDeviceRuleStates.Of(Device device) => Get(device).Rules;

    public IEnumerable<DeviceState> All => _states.Values;

    public bool TryGet(string site, string deviceId, out DeviceState state) =>
        _states.TryGetValue($"{site}/{deviceId}", out state!);

    /// <summary>A device's state by its user name as UTF-8 (a journal record's), without making a string.</summary>
    public bool TryGet(ReadOnlySpan<byte> userName, out DeviceState state)
    {
        Span<char> name = stackalloc char[256];
        if (userName.Length > name.Length || !System.Text.Encoding.UTF8.TryGetChars(userName, name, out var length))
        {
            state = null!;
            return false;
        }

        return _byName.TryGetValue(name[..length], out state!);
    }

    public DeviceState Get(Device device) => _states.TryGetValue(device.UserName, out var state) ? state
        : _states.GetOrAdd(device.UserName, static (_, context) => new DeviceState(context.device, DeviceRuleState.Watch(context.device, context.registry, context.now)), (device, registry: _registry, now: _time.GetUtcNow()));
}

/// <summary>
/// One device's context: its live state (counters lock-free, the small collections behind a short lock),
/// its latest reading and what the alert rules remember about it.
/// </summary>
public sealed class DeviceState(Device device, DeviceRuleState rules)
{
    public const int RejectionLogSize = 100;

    private readonly Lock _gate = new();
    private Queue<RejectionRecord>? _recentRejections;   // made at the first rejection: most devices never have one
    private readonly Dictionary<RejectionReason, long> _rejectionCounts = [];
    private long _messages;
    private long _lastSeenUnixMs;
    private readonly UniqueTimestamps _receiveTimestamps = new();
    private readonly SequenceTracker _sequence = new();
    private DeviceStatus? _status;
    private DateTimeOffset? _statusChangedAt;
    private DateTimeOffset _lastWarningAt = DateTimeOffset.MinValue;
    private ElevatorView? _elevator;
    private readonly LatestReading _reading = new();
    private long _lastJudgedSeq = -1;

    public Device Device { get; } = device;

    /// <summary>
    /// Whether the alert pipeline may judge a message with this seq: not when the device marked it a
    /// redelivery (DUP) of one already judged. Called only by the pipeline, in journal order.
    /// </summary>
    public bool ShouldJudge(long? seq, bool duplicate)
    {
        if (seq is not { } value)
        {
            return true;
        }

        if (duplicate && value <= _lastJudgedSeq)
        {
            return false;
        }

        _lastJudgedSeq = value;
        return true;
    }

    /// <summary>After a restart: the last seq the pipeline had judged before it (stored with its cursor).</summary>
    public void RestoreJudgedSeq(long seq) => _lastJudgedSeq = Math.Max(_lastJudgedSeq, seq);

    /// <summary>What the alert rules remember about the device (opaque here: only the rule engine reads it).</summary>
    public DeviceRuleState Rules { get; } = rules;

    /// <summary>The last 15 minutes of a charger's current or a lamp's light (null for other kinds).</summary>
    public RecentSeries? Series { get; } = RecentSeries.For(device.Kind);

    /// <summary>An elevator car's last known floor, door, running, occupancy and fault.</summary>
    public ElevatorView? Elevator
    {
        get { lock (_gate) { return _elevator; } }
    }

    /// <summary>The last known value of each field of the device's readings, for an alert's view (null before the first).</summary>
    public DeviceReadingView? LatestReading()
    {
        lock (_gate)
        {
            return _reading.View();
        }
    }

    /// <summary>Keeps the last known value of each field a reading carries.</summary>
    public void RecordReading(DeviceTelemetry telemetry, DateTimeOffset at)
    {
        lock (_gate)
        {
            _reading.Merge(telemetry, at);
        }
    }

    /// <summary>Merges a reading (which may carry only some fields); returns the new state when anything shown changed.</summary>
    public ElevatorView? MergeElevator(ElevatorTelemetry reading, DateTimeOffset at)
    {
        lock (_gate)
        {
            var before = _elevator;
            var merged = new ElevatorView(
                Device.Site,
                Device.Zone,
                Device.Id,
                reading.Floor ?? before?.Floor,
                reading.DoorOpen ?? before?.DoorOpen,
                reading.Running ?? before?.Running,
                reading.Occupied ?? before?.Occupied,
                reading.FaultReported ? reading.Fault : before?.Fault,
                at);
            _elevator = merged;
            return before is not null && before with { At = at } == merged ? null : merged;
        }
    }

    public long Messages => Interlocked.Read(ref _messages);

    public DateTimeOffset? LastSeen
    {
        get
        {
            var ms = Interlocked.Read(ref _lastSeenUnixMs);
            return ms == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }
    }

    public DeviceStatus? Status
    {
        get { lock (_gate) { return _status; } }
    }

    public DateTimeOffset? StatusChangedAt
    {
        get { lock (_gate) { return _statusChangedAt; } }
    }

    public void RecordMessage(DateTimeOffset receivedAt)
    {
        Interlocked.Increment(ref _messages);
        Interlocked.Exchange(ref _lastSeenUnixMs, receivedAt.ToUnixTimeMilliseconds());
    }

    /// <summary>Follows the device's <c>seq</c> counter (loss and duplicate detection).</summary>
    public SequenceObservation ObserveSequence(long seq)
    {
        lock (_gate)
        {
            return _sequence.Observe(seq);
        }
    }

    public (long Missing, long Duplicates, long Resets) SequenceCounts()
    {
        lock (_gate)
        {
            return (_sequence.Missing, _sequence.Duplicates, _sequence.Resets);
        }
    }

    /// <summary>Returns true when the status actually changed.</summary>
    public bool SetStatus(DeviceStatus status, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (_status == status)
            {
                return false;
            }

            _status = status;
            _statusChangedAt = at;
            return true;
        }
    }

    /// <summary>Points stored at the hub's receive time must not share a millisecond (InfluxDB would keep only the last).</summary>
    public long NextReceiveTimestamp(long receivedMs) => _receiveTimestamps.Next(receivedMs);

    /// <summary>Records a rejection; returns true when it should be logged (at most one warning per device a minute).</summary>
    public bool RecordRejection(RejectionRecord rejection)
    {
        lock (_gate)
        {
            var recent = _recentRejections ??= new Queue<RejectionRecord>(RejectionLogSize);
            if (recent.Count == RejectionLogSize)
            {
                recent.Dequeue();
            }

            recent.Enqueue(rejection);
            _rejectionCounts[rejection.Reason] = _rejectionCounts.GetValueOrDefault(rejection.Reason) + 1;
            if (rejection.At - _lastWarningAt < TimeSpan.FromMinutes(1))
            {
                return false;
            }

            _lastWarningAt = rejection.At;
            return true;
        }
    }

    /// <summary>The most recent rejections, newest first.</summary>
    public IReadOnlyList<RejectionRecord> RecentRejections()
    {
        lock (_gate)
        {
            return _recentRejections is { } recent ? recent.Reverse().ToArray() : [];
        }
    }

    public IReadOnlyDictionary<string, long> RejectionCounts()
    {
        lock (_gate)
        {
            return _rejectionCounts.ToDictionary(kv => kv.Key.ToWire(), kv => kv.Value);
        }
    }
}

/// <summary>A refused message as integrators see it at <c>/api/devices/{site}/{id}/rejections</c>.</summary>
public sealed record RejectionRecord(DateTimeOffset At, string Topic, RejectionReason Reason, string Detail, string PayloadExcerpt);
