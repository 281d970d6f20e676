using System.Runtime.CompilerServices;
using Prometheus;

namespace RedProperty.Iot.Hub.Journal;

/// <summary>
/// One consumer's reader: records in sequence order from after its position, only durable ones. One consumer loop
/// calls <see cref="ReadAsync"/> (not concurrently with itself); <see cref="Advance"/> and the figures may be used
/// from any thread. A damaged record is skipped (counted in <c>rp_hub_journal_records_corrupt_total</c>) and reading
/// goes on with the next good record of the same segment.
/// </summary>
public sealed class JournalReader : IDisposable
{
    private readonly IngestJournal _journal;
    private readonly Counter.Child _droppedMetric;
    private readonly Gauge.Child _lagRecords;
    private readonly Gauge.Child _lagSeconds;
    private readonly Lock _unfinishedGate = new();
    private readonly Queue<(long Sequence, long AppendedAtMs)> _unfinished = new();
    private byte[]? _buffer;
    private JournalSegment? _segment;
    private SegmentCursor? _cursor;
    private long _offset;
    private long _damagedAt = -1;
    private long _position;
    private long _readPosition;
    private long _droppedRecords;
    private int _disposed;
    private CancellationTokenSource? _quiet;
    private CancellationToken _quietFor;

    internal JournalReader(IngestJournal journal, string consumer, long position, bool mayDropOldest)
    {
        _journal = journal;
        Consumer = consumer;
        MayDropOldest = mayDropOldest;
        _position = position;
        _readPosition = position;
        _droppedMetric = journal.Metrics.RecordsDropped.WithLabels(consumer);
        _lagRecords = journal.Metrics.ConsumerLagRecords.WithLabels(consumer);
        _lagSeconds = journal.Metrics.ConsumerLagSeconds.WithLabels(consumer);
    }

    public string Consumer { get; }

    /// <summary>The journal may move this reader forward when Journal:MaxBytes is reached (the time-series shipper).</summary>
    public bool MayDropOldest { get; }

    /// <summary>The consumer has finished every record through this sequence number (<see cref="Advance"/>).</summary>
    public long Position => Volatile.Read(ref _position);

    /// <summary>The last sequence number handed out (or skipped as damaged).</summary>
    public long ReadPosition => Math.Max(Volatile.Read(ref _readPosition), Position);

    /// <summary>Durable records not finished.</summary>
    public long Lag => Math.Max(0, _journal.DurableSequence - Position);

    /// <summary>How long ago the oldest record this consumer has read and not finished was appended; zero when it has none.</summary>
    public TimeSpan LagTime
    {
        get
        {
            var position = Position;
            if (_journal.DurableSequence <= position)
            {
                return TimeSpan.Zero;
            }

            long appendedAtMs;
            lock (_unfinishedGate)
            {
                while (_unfinished.TryPeek(out var record) && record.Sequence <= position)
                {
                    _unfinished.Dequeue();
                }

                if (!_unfinished.TryPeek(out var oldest))
                {
                    return TimeSpan.Zero;
                }

                appendedAtMs = oldest.AppendedAtMs;
            }

            var age = _journal.Time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(appendedAtMs);
            return age > TimeSpan.Zero ? age : TimeSpan.Zero;
        }
    }

    /// <summary>Records the journal deleted before this consumer finished them (Journal:MaxBytes, or gone before the reader was opened).</summary>
    public long DroppedRecords => Interlocked.Read(ref _droppedRecords);

    /// <summary>
    /// Clears <paramref name="into"/> and fills it with up to <paramref name="maxRecords"/> records after
    /// <see cref="ReadPosition"/>, waiting until there is at least one. Their data is valid until the next call.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> ReadAsync(List<JournalRecord> into, int maxRecords, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(into);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecords, 1);
        into.Clear();
        while (true)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            cancellationToken.ThrowIfCancellationRequested();
            FollowDrops();
            var durable = _journal.DurableSequence;
            if (durable > _readPosition && ReadAvailable(into, maxRecords) > 0)
            {
                Remember(into);
                return into.Count;
            }

            await _journal.WaitForDurableAsync(Math.Max(durable, _readPosition), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// As <see cref="ReadAsync"/>, but false (nothing read) when no record comes within <paramref name="quiet"/>: a
    /// consumer that stores its cursor now and then does so in a quiet spell.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> TryReadWithinAsync(List<JournalRecord> into, int maxRecords, TimeSpan quiet, CancellationToken cancellationToken)
    {
        // A consumer that keeps up waits here once per group commit: its quiet timer is reused, not made anew.
        var within = _quiet is { } kept && _quietFor == cancellationToken && kept.TryReset() ? kept : NewQuiet(cancellationToken);
        within.CancelAfter(quiet);
        try
        {
            await ReadAsync(into, maxRecords, within.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            into.Clear();
            return false;
        }
        finally
        {
            within.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    private CancellationTokenSource NewQuiet(CancellationToken cancellationToken)
    {
        _quiet?.Dispose();
        _quietFor = cancellationToken;
        return _quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    }

    /// <summary>The consumer has finished (and stored its own cursor) through <paramref name="sequence"/>: segments before it may go.</summary>
    public void Advance(long sequence)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (sequence > ReadPosition)
        {
            throw new ArgumentOutOfRangeException(nameof(sequence), sequence, $"Consumer '{Consumer}' has read only through {ReadPosition}.");
        }

        _journal.Advance(this, sequence);
        lock (_unfinishedGate)
        {
            while (_unfinished.TryPeek(out var record) && record.Sequence <= sequence)
            {
                _unfinished.Dequeue();
            }
        }

        UpdateGauges();
    }

    /// <summary>Stops holding segments for this consumer.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _journal.CloseReader(this);
        _journal.Metrics.ConsumerLagRecords.RemoveLabelled(Consumer);
        _journal.Metrics.ConsumerLagSeconds.RemoveLabelled(Consumer);
        CloseSegment();
        _quiet?.Dispose();
    }

    internal void UpdateGauges()
    {
        _lagRecords.Set(Lag);
        _lagSeconds.Set(LagTime.TotalSeconds);
    }

    /// <summary>Under the journal's lock.</summary>
    internal void MoveTo(long position) => Volatile.Write(ref _position, position);

    /// <summary>Under the journal's lock: the segment ending with <paramref name="last"/> goes; returns the records this reader loses.</summary>
    internal long DropThrough(long last)
    {
        var position = Position;
        if (!MayDropOldest || position >= last)
        {
            return 0;
        }

        MoveTo(last);
        return last - position;
    }

    internal void CountDropped(long records)
    {
        Interlocked.Add(ref _droppedRecords, records);
        _droppedMetric.Inc(records);
    }

    /// <summary>The journal moved this reader forward (Journal:MaxBytes): read on from there.</summary>
    private void FollowDrops()
    {
        var position = Position;
        if (position > _readPosition)
        {
            Volatile.Write(ref _readPosition, position);
            CloseSegment();
        }
    }

    /// <summary>Reads what is durable from one buffer fill (so the records' memory stays valid), crossing into the next segment only before the first record.</summary>
    private int ReadAvailable(List<JournalRecord> into, int maxRecords)
    {
        while (into.Count < maxRecords && EnsureSegment())
        {
            var segment = _segment!;
            var end = segment.DurableEnd;
            var mayRefill = into.Count == 0;
            if (_offset >= end)
            {
                if (!segment.Sealed || !mayRefill)
                {
                    break;
                }

                NextSegment();
                continue;
            }

            var check = _cursor!.Check(_offset, end, mayRefill, out var header);
            if (check == RecordCheck.Ok)
            {
                if (header.Sequence > _readPosition)
                {
                    CountDamage(header.Sequence);
                    into.Add(new JournalRecord(header.Sequence, DateTimeOffset.FromUnixTimeMilliseconds(header.AppendedAtMs), _cursor.Data(_offset, header)));
                    Volatile.Write(ref _readPosition, header.Sequence);
                }

                _offset += header.TotalBytes;
            }
            else if (check == RecordCheck.BadData)
            {
                // The header (and so the length) is good: exactly this record is lost.
                CountDamage(header.Sequence);
                _journal.ReportCorrupt(segment, _offset, 1);
                Volatile.Write(ref _readPosition, Math.Max(_readPosition, header.Sequence));
                _offset += header.TotalBytes;
            }
            else if (!mayRefill)
            {
                break; // not buffered, or damaged: the next call looks with a fresh buffer
            }
            else
            {
                // The boundary is lost: find the next good header; what was skipped is counted when its sequence is known.
                if (_damagedAt < 0)
                {
                    _damagedAt = _offset;
                }

                var next = _cursor.FindNextGood(_offset + 1, end);
                _offset = next >= 0 ? next : end;
            }
        }

        return into.Count;
    }

    private void CountDamage(long nextSequence)
    {
        if (_damagedAt < 0)
        {
            return;
        }

        _journal.ReportCorrupt(_segment!, _damagedAt, Math.Max(1, nextSequence - _readPosition - 1));
        _damagedAt = -1;
    }

    private bool EnsureSegment()
    {
        for (var attempt = 0; _segment is null && attempt < 3; attempt++)
        {
            var segment = _journal.SegmentFor(_readPosition + 1);
            if (segment is null)
            {
                return false;
            }

            Open(segment);
        }

        return _segment is not null;
    }

    private void NextSegment()
    {
        var next = _journal.SegmentAfter(_segment!);
        CountDamage(next?.FirstSequence ?? _readPosition + 2);
        CloseSegment();
        if (next is not null)
        {
            Open(next);
        }
    }

    private void Open(JournalSegment segment)
    {
        try
        {
            _cursor = SegmentCursor.Open(segment.Path, _buffer ??= new byte[SegmentCursor.BufferBytes]);
            _segment = segment;
            _offset = 0;
        }
        catch (FileNotFoundException)
        {
            // Deleted by retention meanwhile: EnsureSegment looks up the segment for the read position again.
        }
    }

    private void CloseSegment()
    {
        _cursor?.Dispose();
        _cursor = null;
        _segment = null;
        _damagedAt = -1;
    }

    private void Remember(List<JournalRecord> records)
    {
        lock (_unfinishedGate)
        {
            foreach (var record in records)
            {
                _unfinished.Enqueue((record.Sequence, record.AppendedAt.ToUnixTimeMilliseconds()));
            }
        }
    }
}
