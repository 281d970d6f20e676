using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace RedProperty.Iot.Hub.Journal;

/// <summary>The journal's disk side: recovery at open and the commit loop (group commit, rotation, retention, retries).</summary>
public sealed partial class IngestJournal
{
    private static bool IsIoFailure(Exception e) => e is IOException or UnauthorizedAccessException;

    /// <summary>Finds the segments; the last one is scanned for its last good record and a torn tail is cut off.</summary>
    private void Recover()
    {
        Directory.CreateDirectory(_directory);
        TryDelete(Path.Combine(_directory, ProbeFile));
        foreach (var path in Directory.EnumerateFiles(_directory, "*" + JournalFormat.Extension))
        {
            if (JournalFormat.TryParseFileName(path, out var first))
            {
                _segments.Add(new JournalSegment(first, path, new FileInfo(path).Length) { Sealed = true });
            }
        }

        _segments.Sort((a, b) => a.FirstSequence.CompareTo(b.FirstSequence));
        var lastSequence = 0L;
        if (_segments.Count > 0)
        {
            var last = _segments[^1];
            last.Sealed = false;
            (lastSequence, last.DurableEnd) = ScanTail(last);
            if (last.DurableEnd < last.Length)
            {
                if (IsZeroFrom(last.Path, last.DurableEnd))
                {
                    LogPreallocatedCut(_logger, last.Path, last.Length - last.DurableEnd, last.DurableEnd);
                }
                else
                {
                    LogTornTailCut(_logger, last.Path, last.Length - last.DurableEnd, last.DurableEnd);
                }

                try
                {
                    CutToDurable(last);
                }
                catch (Exception e) when (IsIoFailure(e))
                {
                    // Readers stop at DurableEnd anyway; the retry loop cuts it once the disk lets it.
                    _state = JournalState.Unavailable;
                    _problem = Describe(e);
                    LogUnavailable(_logger, _problem, e);
                }
            }

            _active = last;
        }

        _nextSequence = lastSequence + 1;
        _durableSequence = lastSequence;
        _fileBytes = _segments.Sum(s => s.DurableEnd);
        _lastRetry = Stopwatch.GetTimestamp();
        UpdateGauges();
        LogOpened(_logger, _directory, _segments.Count, _fileBytes, _nextSequence);
    }

    /// <summary>Whether the file holds only zeros from <paramref name="offset"/> on: space preallocated and never written, not a torn record.</summary>
    private static bool IsZeroFrom(string path, long offset)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new byte[SegmentCursor.BufferBytes];
        while (true)
        {
            var read = RandomAccess.Read(file, buffer, offset);
            if (read == 0)
            {
                return true;
            }

            if (buffer.AsSpan(0, read).ContainsAnyExcept((byte)0))
            {
                return false;
            }

            offset += read;
        }
    }

    /// <summary>The last good record's sequence number and where it ends. Damage followed by good records stays (readers skip it); damage up to the end is the torn tail.</summary>
    private static (long LastSequence, long GoodEnd) ScanTail(JournalSegment segment)
    {
        using var cursor = SegmentCursor.Open(segment.Path, new byte[SegmentCursor.BufferBytes]);
        var end = cursor.FileLength;
        long offset = 0, goodEnd = 0, lastSequence = segment.FirstSequence - 1;
        while (offset < end)
        {
            if (cursor.Check(offset, end, mayRefill: true, out var header) == RecordCheck.Ok)
            {
                lastSequence = Math.Max(lastSequence, header.Sequence);
                offset += header.TotalBytes;
                goodEnd = offset;
                continue;
            }

            var next = cursor.FindNextGood(offset + 1, end);
            if (next < 0)
            {
                break;
            }

            offset = next;
        }

        return (lastSequence, goodEnd);
    }

    private void CommitLoop()
    {
        try
        {
            while (true)
            {
                _work.Wait(Second);
                _work.Reset();
                try
                {
                    Housekeeping();
                    if (TakeBatch(_batch))
                    {
                        Write(_batch);
                    }
                    else if (State == JournalState.Closed)
                    {
                        return;
                    }
                }
                catch (Exception e)
                {
                    // A bug before anything was written (Write handles its own failures): keep the loop alive, the groups fail and the retry runs.
                    LogCommitLoopFailed(_logger, e);
                    Fail(_batch, 0, e);
                }
                finally
                {
                    _batch.Clear();
                }
            }
        }
        finally
        {
            if (_active is { } active && active.Length > active.DurableEnd)
            {
                try
                {
                    // A clean stop leaves the file ending at its last record (recovery would cut the zeros anyway).
                    CutToDurable(active);
                }
                catch (Exception e) when (IsIoFailure(e))
                {
                }
            }

            _active?.Writer?.Dispose();
            _stopped.TrySetResult();
        }
    }

    private void Housekeeping()
    {
        JournalState state;
        lock (_gate)
        {
            state = _state;
        }

        if (state == JournalState.Unavailable && Stopwatch.GetElapsedTime(_lastRetry) >= Second)
        {
            _lastRetry = Stopwatch.GetTimestamp();
            TryRecover();
        }

        DeleteFinishedSegments();
        if (Stopwatch.GetElapsedTime(_lastGauges) >= Second)
        {
            UpdateGauges();
        }
    }

    /// <summary>Takes the groups waiting, after letting the open one gather records for up to CommitDelayMs.</summary>
    private bool TakeBatch(List<JournalGroup> batch)
    {
        long openedAt;
        lock (_gate)
        {
            if (_openGroup.Records == 0 && _closedGroups.Count == 0)
            {
                return false;
            }

            openedAt = _closedGroups.Count == 0 && _state != JournalState.Closed ? _openGroup.OpenedAt : 0;
        }

        if (openedAt != 0)
        {
            var wait = _commitDelay - Stopwatch.GetElapsedTime(openedAt);
            if (wait > TimeSpan.Zero)
            {
                _groupClosed.Wait(wait);
            }
        }

        lock (_gate)
        {
            while (_closedGroups.TryDequeue(out var group))
            {
                batch.Add(group);
            }

            if (_openGroup.Records > 0)
            {
                batch.Add(_openGroup);
                _openGroup = TakeSpareGroupLocked();
            }

            _groupClosed.Reset();
        }

        return batch.Count > 0;
    }

    /// <summary>Writes the groups in runs, one run per segment: one gathered write and one fsync each, then the run's groups are released.</summary>
    private void Write(List<JournalGroup> batch)
    {
        var next = 0;
        try
        {
            while (next < batch.Count)
            {
                if (_active is null || (_active.DurableEnd > 0 && _active.DurableEnd + batch[next].Length > _segmentBytes))
                {
                    StartSegment(batch[next].FirstSequence);
                }

                var segment = _active!;
                var end = next + 1;
                long runBytes = batch[next].Length;
                while (end < batch.Count && segment.DurableEnd + runBytes + batch[end].Length <= _segmentBytes)
                {
                    runBytes += batch[end++].Length;
                }

                MakeRoom(runBytes);
                _writeList.Clear();
                var records = 0;
                for (var i = next; i < end; i++)
                {
                    _writeList.Add(batch[i].Bytes);
                    records += batch[i].Records;
                }

                var writer = EnsureWriter(segment);
                var runEnd = segment.DurableEnd + runBytes;
                if (runEnd > segment.Length)
                {
                    Preallocate(writer, segment, runEnd);
                }

                RandomAccess.Write(writer, _writeList, segment.DurableEnd);
                segment.Length = Math.Max(segment.Length, runEnd);
                var started = Stopwatch.GetTimestamp();
                DataSync.Flush(writer);
                _metrics.FsyncSeconds.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
                Publish(batch, next, end, segment, runEnd, runBytes, records);
                next = end;
            }
        }
        catch (Exception e)
        {
            // The disk (full, read-only, EIO) or anything else: the groups not yet released fail, appends stop until TryRecover.
            Fail(batch, next, e);
        }
    }

    /// <summary>
    /// Writes zeros from the file's end to <c>Journal:PreallocateBytes</c> past <paramref name="runEnd"/> (not past the
    /// segment size) and fsyncs them: the group commits that follow overwrite allocated blocks of a file whose size
    /// does not change, so their fdatasync writes the records and nothing else (no inode, no allocation; see
    /// <see cref="DataSync"/>). Recovery tells these zeros from a torn record. When it fails (the disk is full),
    /// the records are written at the end of the file as without it.
    /// </summary>
    private void Preallocate(SafeFileHandle writer, JournalSegment segment, long runEnd)
    {
        var target = Math.Min(runEnd + _preallocateBytes, Math.Max(_segmentBytes, runEnd));
        if (target <= runEnd)
        {
            return;
        }

        try
        {
            var offset = segment.Length;
            _writeZeros.Clear();
            for (var left = target - offset; left > 0; left -= ZeroBlock.Length)
            {
                _writeZeros.Add(ZeroBlock.AsMemory(0, (int)Math.Min(left, ZeroBlock.Length)));
            }

            RandomAccess.Write(writer, _writeZeros, offset);
            RandomAccess.FlushToDisk(writer);
            segment.Length = target;
        }
        catch (Exception e) when (IsIoFailure(e))
        {
            if (_logGate.ShouldLog("journal_preallocate", _directory))
            {
                LogPreallocateFailed(_logger, segment.Path, e.Message);
            }
        }
    }

    private void Publish(List<JournalGroup> batch, int from, int to, JournalSegment segment, long runEnd, long runBytes, int records)
    {
        // DurableEnd before DurableSequence: a reader that sees the sequence finds its bytes.
        segment.DurableEnd = runEnd;
        Volatile.Write(ref _durableSequence, batch[to - 1].LastSequence);
        lock (_gate)
        {
            _fileBytes += runBytes;
            _pendingBytes -= runBytes;
        }

        _inlineDone.Clear();
        for (var i = from; i < to; i++)
        {
            batch[i].Done.TrySetResult(true);
            _inlineDone.Add(batch[i].DoneInline);
        }

        Interlocked.Exchange(ref _durableAdvanced, NewSignal()).TrySetResult();
        _metrics.Records.Inc(records);
        _metrics.GroupRecords.Observe(records);
        ReturnGroups(batch, from, to);
        foreach (var done in _inlineDone)
        {
            done.TrySetResult(true);
        }
    }

    /// <summary>
    /// The write or fsync failed: its groups and every group still waiting fail (their records count as never
    /// written and are cut from the file), and appends are refused until <see cref="TryRecover"/> succeeds.
    /// </summary>
    private void Fail(List<JournalGroup> batch, int from, Exception e)
    {
        var problem = Describe(e);
        var failed = batch.GetRange(from, batch.Count - from);
        lock (_gate)
        {
            while (_closedGroups.TryDequeue(out var group))
            {
                failed.Add(group);
            }

            if (_openGroup.Records > 0)
            {
                failed.Add(_openGroup);
                _openGroup = TakeSpareGroupLocked();
            }

            foreach (var group in failed)
            {
                _pendingBytes -= group.Length;
            }

            if (_state != JournalState.Closed)
            {
                _state = JournalState.Unavailable;
                _problem = problem;
            }
        }

        LogUnavailable(_logger, problem, e);
        foreach (var group in failed)
        {
            group.Done.TrySetResult(false);
            group.DoneInline.TrySetResult(false);
        }

        ReturnGroups(failed, 0, failed.Count);
        _lastRetry = Stopwatch.GetTimestamp();
        if (_active is not null)
        {
            try
            {
                CutToDurable(_active);
            }
            catch (Exception cut) when (IsIoFailure(cut))
            {
                // TryRecover cuts before anything is appended again.
            }
        }
    }

    /// <summary>
    /// After a failure: a probe write must succeed, the active segment is cut back to its durable end, and when
    /// numbers were given to records that were cut, writing goes on in a new segment named after the next number,
    /// so no number is given twice even after a restart.
    /// </summary>
    private void TryRecover()
    {
        try
        {
            Probe();
            if (_active is not null)
            {
                CutToDurable(_active);
                long next;
                lock (_gate)
                {
                    next = _nextSequence;
                }

                if (next - 1 > DurableSequence && _active.FirstSequence != next)
                {
                    StartSegment(next);
                }
            }

            lock (_gate)
            {
                if (_state != JournalState.Unavailable)
                {
                    return;
                }

                _state = JournalState.Ready;
                _problem = null;
            }

            LogAvailableAgain(_logger);
        }
        catch (Exception e) when (IsIoFailure(e))
        {
            var problem = Describe(e);
            lock (_gate)
            {
                if (_state == JournalState.Unavailable)
                {
                    _problem = problem;
                }
            }

            if (_logGate.ShouldLog("journal_unavailable", _directory))
            {
                LogStillUnavailable(_logger, problem);
            }
        }
    }

    private void Probe()
    {
        var path = Path.Combine(_directory, ProbeFile);
        try
        {
            using var probe = File.OpenHandle(path, FileMode.Create, FileAccess.Write);
            RandomAccess.Write(probe, ZeroBlock, 0);
            RandomAccess.FlushToDisk(probe);
        }
        finally
        {
            TryDelete(path);
        }
    }

    private SafeFileHandle EnsureWriter(JournalSegment segment) =>
        segment.Writer ??= File.OpenHandle(segment.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);

    private void CutToDurable(JournalSegment segment)
    {
        var writer = EnsureWriter(segment);
        if (RandomAccess.GetLength(writer) != segment.DurableEnd)
        {
            RandomAccess.SetLength(writer, segment.DurableEnd);
            RandomAccess.FlushToDisk(writer);
        }

        segment.Length = segment.DurableEnd;
    }

    /// <summary>Starts the segment whose first record is <paramref name="firstSequence"/>; the previous one is sealed (it is fsynced: every run ends with an fsync).</summary>
    private void StartSegment(long firstSequence)
    {
        if (_active is { } current && current.Length > current.DurableEnd)
        {
            // A sealed segment ends at its last record: its preallocated zeros go before the next segment exists.
            CutToDurable(current);
        }

        var path = Path.Combine(_directory, JournalFormat.FileName(firstSequence));
        var writer = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            DirectorySync.Flush(_directory);
        }
        catch
        {
            writer.Dispose();
            TryDelete(path);
            throw;
        }

        var segment = new JournalSegment(firstSequence, path, 0) { Writer = writer };
        var previous = _active;
        var dropEmpty = previous is { DurableEnd: 0 };
        lock (_gate)
        {
            _segments.Add(segment);
            if (dropEmpty)
            {
                _segments.Remove(previous!);
            }

            RecomputeReclaimableLocked();
            _retentionDue = true;
        }

        _active = segment;
        if (previous is not null)
        {
            // Added before sealed: a reader at the end of a sealed segment always finds the next one.
            previous.Sealed = true;
            previous.Writer?.Dispose();
            previous.Writer = null;
            if (dropEmpty)
            {
                DeleteFiles([previous]);
            }
        }

        UpdateGauges();
    }

    /// <summary>Before a run is written past Journal:MaxBytes: the oldest segments go, moving readers that allow it forward (counted).</summary>
    private void MakeRoom(long runBytes)
    {
        List<JournalSegment>? deleted = null;
        List<(JournalReader Reader, long Records, string Path)>? drops = null;
        lock (_gate)
        {
            if (_fileBytes + runBytes <= _maxBytes || _readers.Count == 0)
            {
                return;
            }

            var floor = HeldFloorLocked();
            while (_fileBytes + runBytes > _maxBytes && _segments.Count > 1 && _segments[1].FirstSequence - 1 <= floor)
            {
                var oldest = _segments[0];
                var last = _segments[1].FirstSequence - 1;
                foreach (var reader in _readers)
                {
                    var lost = reader.DropThrough(last);
                    if (lost > 0)
                    {
                        (drops ??= []).Add((reader, lost, oldest.Path));
                    }
                }

                RemoveOldestLocked();
                (deleted ??= []).Add(oldest);
            }

            if (deleted is not null)
            {
                RecomputeReclaimableLocked();
            }
        }

        foreach (var (reader, records, path) in drops ?? [])
        {
            reader.CountDropped(records);
            LogRecordsDropped(_logger, path, reader.Consumer, records, _maxBytes);
        }

        DeleteFiles(deleted);
    }

    /// <summary>Deletes the segments every reader is past.</summary>
    private void DeleteFinishedSegments()
    {
        List<JournalSegment>? finished = null;
        lock (_gate)
        {
            if (!_retentionDue)
            {
                return;
            }

            _retentionDue = false;
            if (_readers.Count == 0)
            {
                return;
            }

            var floor = MinPositionLocked();
            while (_segments.Count > 1 && _segments[1].FirstSequence - 1 <= floor)
            {
                (finished ??= []).Add(_segments[0]);
                RemoveOldestLocked();
            }

            if (finished is not null)
            {
                RecomputeReclaimableLocked();
            }
        }

        DeleteFiles(finished);
    }

    private void RemoveOldestLocked()
    {
        var oldest = _segments[0];
        _segments.RemoveAt(0);
        _fileBytes -= oldest.DurableEnd;
        _corruptionsSeen.RemoveWhere(c => c.Segment <= oldest.FirstSequence);
    }

    private void DeleteFiles(List<JournalSegment>? segments)
    {
        if (segments is null)
        {
            return;
        }

        try
        {
            foreach (var segment in segments)
            {
                File.Delete(segment.Path);
            }

            DirectorySync.Flush(_directory);
        }
        catch (Exception e) when (IsIoFailure(e))
        {
            // Not a reason to refuse appends: a file left behind holds only records every reader is past.
            LogDeleteFailed(_logger, _directory, e);
        }

        UpdateGauges();
    }

    private void UpdateGauges()
    {
        _lastGauges = Stopwatch.GetTimestamp();
        JournalReader[] readers;
        lock (_gate)
        {
            _metrics.Bytes.Set(_fileBytes);
            _metrics.Segments.Set(_segments.Count);
            readers = [.. _readers];
        }

        foreach (var reader in readers)
        {
            reader.UpdateGauges();
        }
    }
}
