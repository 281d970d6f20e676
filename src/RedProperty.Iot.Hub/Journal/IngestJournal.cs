using System.IO.Hashing;
using System.Runtime.CompilerServices;
using RedProperty.Iot.Hub.Logging;

namespace RedProperty.Iot.Hub.Journal;

/// <summary>
/// The hub's write-ahead ingest journal (docs/journal.md): every accepted device message is appended, made durable
/// by group commit (one fsync for whatever arrived meanwhile) on a dedicated thread, and read in order by
/// consumers that keep their own cursors. A segment file is deleted once every reader is past it; at
/// <c>Journal:MaxBytes</c> the oldest records of readers that allow it are dropped, otherwise appends are refused.
/// A disk failure refuses appends until a probe write succeeds again; nothing on the append path throws.
/// </summary>
public sealed partial class IngestJournal : IDisposable, IAsyncDisposable
{
    /// <summary>The largest record <see cref="Append"/> takes.</summary>
    public const int MaxRecordBytes = JournalFormat.MaxDataBytes;

    private const string ProbeFile = ".probe";
    private const string LockFile = ".lock";
    private const int PendingLimitFactor = 16;
    private const int SpareGroups = 4;
    private static readonly byte[] ZeroBlock = new byte[64 << 10];
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly JournalMetrics _metrics;
    private readonly ILogger _logger;
    private readonly OncePerMinute _logGate = new();
    private readonly long _segmentBytes;
    private readonly long _preallocateBytes;
    private readonly long _maxBytes;
    private readonly int _commitMaxBytes;
    private readonly TimeSpan _commitDelay;
    private readonly long _maxPendingBytes;

    // Everything below up to _durableSequence is guarded by _gate; appends hold it for a copy of their bytes.
    private readonly Lock _gate = new();
    private readonly List<JournalSegment> _segments = [];
    private readonly List<JournalReader> _readers = [];
    private readonly HashSet<string> _expectedReaders = new(StringComparer.Ordinal);
    private readonly Queue<JournalGroup> _closedGroups = new();
    private readonly Stack<JournalGroup> _spareGroups = new();
    private readonly HashSet<(long Segment, long Offset)> _corruptionsSeen = [];
    private JournalGroup _openGroup;
    private long _nextSequence = 1;
    private long _fileBytes;
    private long _pendingBytes;
    private long _reclaimableBytes;
    private JournalState _state = JournalState.Ready;
    private bool _full;
    private string? _problem;
    private bool _retentionDue;

    private long _durableSequence;
    private TaskCompletionSource _durableAdvanced = NewSignal();
    private volatile bool _closed;

    // The commit loop's own.
    // No spinning before blocking: the commit thread waits for appends or the disk, never for a few cycles.
    private readonly ManualResetEventSlim _work = new(false, spinCount: 0);
    private readonly ManualResetEventSlim _groupClosed = new(false, spinCount: 0);
    private readonly TaskCompletionSource _stopped = NewSignal();
    private readonly List<JournalGroup> _batch = [];
    private readonly List<ReadOnlyMemory<byte>> _writeList = [];
    private readonly List<ReadOnlyMemory<byte>> _writeZeros = [];
    private readonly List<TaskCompletionSource<bool>> _inlineDone = [];
    private FileStream? _directoryLock;
    private Thread? _commitThread;
    private JournalSegment? _active;
    private long _lastRetry;
    private long _lastGauges;

    private IngestJournal(JournalOptions options, string directory, TimeProvider time, JournalMetrics metrics, ILogger logger)
    {
        _directory = Path.GetFullPath(directory);
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _segmentBytes = options.SegmentBytes;
        _preallocateBytes = options.PreallocateBytes;
        _maxBytes = options.MaxBytes;
        _commitMaxBytes = options.CommitMaxBytes;
        _commitDelay = TimeSpan.FromMilliseconds(options.CommitDelayMs);
        _maxPendingBytes = Math.Max((long)options.CommitMaxBytes * PendingLimitFactor, 2L * (JournalFormat.HeaderBytes + MaxRecordBytes));
        _openGroup = NewGroup();
    }

    public string DirectoryPath => _directory;

    public long MaxBytes => _maxBytes;

    /// <summary>The highest sequence number that is on disk (fsynced); readers see records up to it.</summary>
    public long DurableSequence => Volatile.Read(ref _durableSequence);

    /// <summary>Bytes in the segment files (fsynced records).</summary>
    public long Bytes
    {
        get { lock (_gate) { return _fileBytes; } }
    }

    public int Segments
    {
        get { lock (_gate) { return _segments.Count; } }
    }

    public JournalState State
    {
        get { lock (_gate) { return _state == JournalState.Ready && _full ? JournalState.Full : _state; } }
    }

    /// <summary>Why appends are refused: the disk's error, or which consumer holds the journal full; null when it takes appends.</summary>
    public string? Problem
    {
        get
        {
            lock (_gate)
            {
                return _state != JournalState.Ready ? _problem : _full ? FullReasonLocked() : null;
            }
        }
    }

    /// <summary>The open readers, one per consumer.</summary>
    public IReadOnlyList<JournalReader> Readers
    {
        get { lock (_gate) { return [.. _readers]; } }
    }

    internal JournalMetrics Metrics => _metrics;

    internal TimeProvider Time => _time;

    /// <summary>Opens (creating) the journal in <paramref name="directory"/>: finds the segments, cuts a torn last record, continues the numbering.</summary>
    public static IngestJournal Open(JournalOptions options, string directory, TimeProvider time, JournalMetrics metrics, ILogger<IngestJournal> logger)
    {
        var journal = new IngestJournal(options, directory, time, metrics, logger);
        journal._directoryLock = LockDirectory(directory);
        try
        {
            journal.Recover();
        }
        catch
        {
            journal._directoryLock.Dispose();
            throw;
        }

        journal._commitThread = new Thread(journal.CommitLoop) { IsBackground = true, Name = "journal-commit" };
        journal._commitThread.Start();
        return journal;
    }

    /// <summary>
    /// Copies <paramref name="data"/> into the next group commit. Never blocks on the disk and never throws for it:
    /// a refusal is an outcome (<see cref="JournalAppendOutcome"/>), and the ticket says when the record is durable.
    /// </summary>
    public JournalTicket Append(ReadOnlySpan<byte> data)
    {
        if (data.Length > MaxRecordBytes)
        {
            return Refuse(JournalAppendOutcome.TooLarge);
        }

        var size = JournalFormat.HeaderBytes + data.Length;
        var dataCrc = Crc32.HashToUInt32(data);
        var appendedAt = _time.GetUtcNow().ToUnixTimeMilliseconds();
        JournalAppendOutcome outcome;
        JournalTicket ticket = default;
        bool firstOfGroup = false, closedGroup = false, fullChanged = false;
        string? fullReason = null;
        long pending = 0;
        lock (_gate)
        {
            if (_state != JournalState.Ready)
            {
                outcome = JournalAppendOutcome.Unavailable;
            }
            else if (_pendingBytes + size > _maxPendingBytes)
            {
                outcome = JournalAppendOutcome.Busy;
                pending = _pendingBytes;
            }
            else if (_fileBytes + _pendingBytes + size - _reclaimableBytes > _maxBytes)
            {
                outcome = JournalAppendOutcome.Full;
                fullChanged = !_full;
                _full = true;
                fullReason = fullChanged ? FullReasonLocked() : null;
            }
            else
            {
                outcome = JournalAppendOutcome.Appended;
                fullChanged = _full;
                _full = false;
                if (_openGroup.Records > 0 && _openGroup.Length + size > _commitMaxBytes)
                {
                    _closedGroups.Enqueue(_openGroup);
                    _openGroup = TakeSpareGroupLocked();
                    closedGroup = true;
                }

                var sequence = _nextSequence++;
                _openGroup.Add(sequence, appendedAt, dataCrc, data);
                _pendingBytes += size;
                firstOfGroup = _openGroup.Records == 1;
                ticket = new JournalTicket(outcome, sequence, _openGroup.Done.Task, _openGroup.DoneInline.Task);
            }
        }

        if (outcome != JournalAppendOutcome.Appended)
        {
            if (fullChanged)
            {
                LogFull(_logger, fullReason!);
            }
            else if (outcome == JournalAppendOutcome.Busy && _logGate.ShouldLog("journal_busy", _directory))
            {
                LogBusy(_logger, pending, _maxPendingBytes);
            }

            return Refuse(outcome);
        }

        if (fullChanged)
        {
            LogNoLongerFull(_logger);
        }

        if (closedGroup)
        {
            _groupClosed.Set();
        }

        if (firstOfGroup || closedGroup)
        {
            _work.Set();
        }

        return ticket;
    }

    /// <summary>
    /// A reader for <paramref name="consumer"/> that resumes after sequence <paramref name="after"/> (its stored cursor;
    /// 0: from the oldest record kept). Open every consumer's reader before any of them advances: segments are
    /// deleted once every open reader is past them. <paramref name="mayDropOldest"/> lets the journal move this
    /// reader forward (counted) when <c>Journal:MaxBytes</c> is reached; without it appends are refused instead.
    /// </summary>
    public JournalReader OpenReader(string consumer, long after, bool mayDropOldest)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(consumer);
        ArgumentOutOfRangeException.ThrowIfNegative(after);
        JournalReader reader;
        long lost = 0, oldestKept, last;
        bool ahead = false;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed || _state == JournalState.Closed, this);
            if (_readers.Exists(r => r.Consumer == consumer))
            {
                throw new InvalidOperationException($"The journal already has a reader for consumer '{consumer}'.");
            }

            last = _nextSequence - 1;
            oldestKept = _segments.Count > 0 ? _segments[0].FirstSequence - 1 : last;
            var position = after;
            if (after == 0)
            {
                position = oldestKept;
            }
            else if (after > last)
            {
                // The consumer has seen records this journal no longer has (it was deleted or restored from a
                // backup): number on after its cursor, or it would skip the new records as already finished.
                _nextSequence = after + 1;
                ahead = true;
            }
            else if (after < oldestKept)
            {
                lost = oldestKept - after;
                position = oldestKept;
            }

            reader = new JournalReader(this, consumer, position, mayDropOldest);
            _readers.Add(reader);
            RecomputeReclaimableLocked();
        }

        if (lost > 0)
        {
            reader.CountDropped(lost);
            LogReaderBehindRetention(_logger, consumer, after, oldestKept + 1, lost);
        }

        if (ahead)
        {
            LogCursorAhead(_logger, consumer, after, last);
        }

        reader.UpdateGauges();
        return reader;
    }

    public void Dispose()
    {
        if (BeginClose())
        {
            _commitThread?.Join();
            FinishClose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (BeginClose())
        {
            await _stopped.Task.ConfigureAwait(false);
            FinishClose();
        }
    }

    internal void Advance(JournalReader reader, long sequence)
    {
        bool retention, freed = false;
        lock (_gate)
        {
            if (sequence <= reader.Position)
            {
                return;
            }

            reader.MoveTo(sequence);
            var before = _reclaimableBytes;
            RecomputeReclaimableLocked();
            if (_full && _reclaimableBytes > before)
            {
                _full = false;
                freed = true;
            }

            retention = _segments.Count > 1 && _segments[1].FirstSequence - 1 <= MinPositionLocked();
            _retentionDue |= retention;
        }

        if (freed)
        {
            LogNoLongerFull(_logger);
        }

        if (retention)
        {
            _work.Set();
        }
    }

    internal void CloseReader(JournalReader reader)
    {
        lock (_gate)
        {
            _readers.Remove(reader);
            RecomputeReclaimableLocked();
            _retentionDue = true;
        }

        _work.Set();
    }

    /// <summary>The segment holding <paramref name="sequence"/> (or the oldest one when it is older than all), null when there are none.</summary>
    internal JournalSegment? SegmentFor(long sequence)
    {
        lock (_gate)
        {
            for (var i = _segments.Count - 1; i >= 0; i--)
            {
                if (_segments[i].FirstSequence <= sequence)
                {
                    return _segments[i];
                }
            }

            return _segments.Count > 0 ? _segments[0] : null;
        }
    }

    internal JournalSegment? SegmentAfter(JournalSegment segment)
    {
        lock (_gate)
        {
            return _segments.Find(s => s.FirstSequence > segment.FirstSequence);
        }
    }

    /// <summary>Completes once <see cref="DurableSequence"/> is above <paramref name="sequence"/>; one shared signal per group commit.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    internal async ValueTask WaitForDurableAsync(long sequence, CancellationToken cancellationToken)
    {
        while (true)
        {
            var signal = Volatile.Read(ref _durableAdvanced).Task;
            if (DurableSequence > sequence)
            {
                return;
            }

            ObjectDisposedException.ThrowIf(_closed, this);
            await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A reader skipped a damaged stretch; counted once however many readers pass it.</summary>
    internal void ReportCorrupt(JournalSegment segment, long offset, long records)
    {
        lock (_gate)
        {
            if (!_corruptionsSeen.Add((segment.FirstSequence, offset)))
            {
                return;
            }
        }

        _metrics.RecordsCorrupt.Inc(records);
        if (_logGate.ShouldLog("journal_corrupt", _directory))
        {
            LogCorruptSkipped(_logger, segment.Path, offset, records);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static string Describe(Exception e) => $"{e.GetType().Name}: {e.Message}";

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private JournalTicket Refuse(JournalAppendOutcome outcome)
    {
        _metrics.Refused(outcome).Inc();
        return new JournalTicket(outcome, 0, null);
    }

    private JournalGroup NewGroup() => new(Math.Min(_commitMaxBytes, 64 << 10));

    private JournalGroup TakeSpareGroupLocked() => _spareGroups.TryPop(out var group) ? group : NewGroup();

    /// <summary>
    /// Keeps a few groups with their buffers (up to twice what a full group needs, so a busy hub does not allocate
    /// large arrays per commit); those beyond, after a burst, are left to the GC.
    /// </summary>
    private void ReturnGroups(List<JournalGroup> groups, int from, int to)
    {
        var keepUpTo = 2 * (_commitMaxBytes + JournalFormat.HeaderBytes + MaxRecordBytes);
        lock (_gate)
        {
            for (var i = from; i < to && _spareGroups.Count < SpareGroups; i++)
            {
                groups[i].Reset(keepUpTo);
                _spareGroups.Push(groups[i]);
            }
        }
    }

    /// <summary>
    /// Tells the journal a consumer will open a reader (its constructor does, before anything starts): until it
    /// has, nothing it has not read may go, even if the readers already open have finished it.
    /// </summary>
    public void ExpectReader(string consumer)
    {
        lock (_gate)
        {
            _expectedReaders.Add(consumer);
        }
    }

    private bool AnExpectedReaderIsMissingLocked()
    {
        foreach (var consumer in _expectedReaders)
        {
            if (!_readers.Exists(r => r.Consumer == consumer))
            {
                return true;
            }
        }

        return false;
    }

    private long MinPositionLocked()
    {
        if (AnExpectedReaderIsMissingLocked())
        {
            return 0;
        }

        var min = long.MaxValue;
        foreach (var reader in _readers)
        {
            min = Math.Min(min, reader.Position);
        }

        return min;
    }

    /// <summary>The lowest position of the readers whose records may not be dropped (long.MaxValue without such readers).</summary>
    private long HeldFloorLocked()
    {
        if (AnExpectedReaderIsMissingLocked())
        {
            return 0;
        }

        var min = long.MaxValue;
        foreach (var reader in _readers)
        {
            if (!reader.MayDropOldest)
            {
                min = Math.Min(min, reader.Position);
            }
        }

        return min;
    }

    /// <summary>Bytes of the oldest sealed segments that could go to make room: every record in them finished by the readers that may not lose any.</summary>
    private void RecomputeReclaimableLocked()
    {
        long bytes = 0;
        if (_readers.Count > 0)
        {
            var floor = HeldFloorLocked();
            for (var i = 0; i < _segments.Count - 1 && _segments[i + 1].FirstSequence - 1 <= floor; i++)
            {
                bytes += _segments[i].DurableEnd;
            }
        }

        _reclaimableBytes = bytes;
    }

    private string FullReasonLocked()
    {
        JournalReader? holder = null;
        foreach (var reader in _readers)
        {
            if (!reader.MayDropOldest && (holder is null || reader.Position < holder.Position))
            {
                holder = reader;
            }
        }

        if (holder is not null)
        {
            return $"Journal:MaxBytes ({_maxBytes} bytes) reached: consumer '{holder.Consumer}' has not finished record {holder.Position + 1}";
        }

        return _readers.Count == 0
            ? $"Journal:MaxBytes ({_maxBytes} bytes) reached and no consumer reads the journal"
            : $"Journal:MaxBytes ({_maxBytes} bytes) reached by records waiting for the disk";
    }

    private bool BeginClose()
    {
        lock (_gate)
        {
            if (_state == JournalState.Closed)
            {
                return false;
            }

            _state = JournalState.Closed;
            _problem = "the journal is closed";
        }

        _work.Set();
        _groupClosed.Set();
        return true;
    }

    /// <summary>
    /// Holds the directory's lock file for as long as the journal is open (an advisory lock the kernel drops when the
    /// process dies, so a restart after kill -9 is not held up): a second hub started on the same data directory
    /// would number records the first one also numbers and cut what the first one is writing.
    /// </summary>
    private static FileStream LockDirectory(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, LockFile);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException(
                $"The journal directory {directory} is in use by another hub (it holds {path}). Each hub needs its own Hub:DataDir or Journal:Directory.", e);
        }
    }

    private void FinishClose()
    {
        _directoryLock?.Dispose();
        _closed = true;
        Volatile.Read(ref _durableAdvanced).TrySetResult();
    }
}
