using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace RedProperty.Iot.Hub.TimeSeries.Spool;

/// <summary>
/// A bounded, ordered on-disk queue of line-protocol batches, kept while InfluxDB cannot take them.
/// Batches live in numbered segment files as records <c>[length][points][crc32][payload]</c>; a cursor
/// file says how far replay got. Appends are fsynced before they return (devices are acknowledged
/// after that). When the bound is reached the oldest segment is dropped and its points counted.
/// </summary>
public sealed partial class DiskSpool : IDisposable
{
    private const int HeaderBytes = 12;
    private const string SegmentExtension = ".seg";
    private const string CursorFile = "cursor";

    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly long _segmentBytes;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly List<Segment> _segments = [];
    private FileStream? _writer;
    private long _readOffset;
    private long _nextSegmentId = 1;
    private long _pendingPoints;
    private long _droppedPoints;

    public DiskSpool(string directory, long maxBytes, long segmentBytes, ILogger<DiskSpool> logger)
    {
        _directory = directory;
        _maxBytes = maxBytes;
        _segmentBytes = segmentBytes;
        _logger = logger;
        Directory.CreateDirectory(directory);
        Open();
    }

    /// <summary>Raised (outside the lock) after points were dropped because the spool was full.</summary>
    public event Action<long>? PointsDropped;

    public long PendingPoints
    {
        get { lock (_gate) { return _pendingPoints; } }
    }

    public bool IsEmpty => PendingPoints == 0;

    public long Bytes
    {
        get { lock (_gate) { return _segments.Sum(s => s.Bytes); } }
    }

    public int Segments
    {
        get { lock (_gate) { return _segments.Count; } }
    }

    /// <summary>Points dropped since start because the spool was full.</summary>
    public long DroppedPoints
    {
        get { lock (_gate) { return _droppedPoints; } }
    }

    /// <summary>Appends one batch and flushes it to the disk before returning.</summary>
    public void Append(IReadOnlyList<string> lines)
    {
        if (lines.Count == 0)
        {
            return;
        }

        var payload = Encoding.UTF8.GetBytes(string.Join('\n', lines));
        var record = new byte[HeaderBytes + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(record, payload.Length);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(4), lines.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), Crc32.HashToUInt32(payload));
        payload.CopyTo(record, HeaderBytes);

        long dropped;
        lock (_gate)
        {
            var segment = _segments.Count > 0 ? _segments[^1] : null;
            if (segment is null || _writer is null || (segment.Bytes > 0 && segment.Bytes + record.Length > _segmentBytes))
            {
                segment = StartSegment();
            }

            _writer!.Write(record);
            _writer.Flush(flushToDisk: true);
            segment.Bytes += record.Length;
            segment.Points += lines.Count;
            _pendingPoints += lines.Count;
            dropped = EnforceBound();
        }

        if (dropped > 0)
        {
            PointsDropped?.Invoke(dropped);
        }
    }

    /// <summary>The oldest batch not yet replayed, or null when the spool is empty.</summary>
    public SpoolBatch? Peek()
    {
        lock (_gate)
        {
            while (_segments.Count > 0)
            {
                var segment = _segments[0];
                if (_readOffset < segment.Bytes)
                {
                    var batch = ReadRecord(segment, _readOffset);
                    if (batch is not null)
                    {
                        return batch;
                    }

                    // A damaged record cannot be replayed; the rest of the segment is counted as lost.
                    LogDamagedSegment(_logger, segment.Path, _readOffset);
                    _droppedPoints += Math.Max(0, segment.Points - segment.ConsumedPoints);
                    _pendingPoints -= Math.Max(0, segment.Points - segment.ConsumedPoints);
                    _readOffset = segment.Bytes;
                }

                if (_segments.Count == 1)
                {
                    ResetWhenDrained();
                    return null;
                }

                DeleteOldestSegment();
            }

            return null;
        }
    }

    /// <summary>Marks a batch from <see cref="Peek"/> as delivered.</summary>
    public void Commit(SpoolBatch batch)
    {
        lock (_gate)
        {
            if (_segments.Count == 0 || _segments[0].Id != batch.SegmentId || _readOffset != batch.Offset)
            {
                return; // its segment was dropped for space meanwhile
            }

            var segment = _segments[0];
            _readOffset = batch.NextOffset;
            segment.ConsumedPoints += batch.Lines.Count;
            _pendingPoints -= batch.Lines.Count;
            if (_readOffset >= segment.Bytes)
            {
                if (_segments.Count > 1)
                {
                    DeleteOldestSegment();
                }
                else
                {
                    ResetWhenDrained();
                }
            }

            WriteCursor();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _writer?.Dispose();
            _writer = null;
        }
    }

    private void Open()
    {
        foreach (var path in Directory.EnumerateFiles(_directory, "*" + SegmentExtension).Order(StringComparer.Ordinal))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                _segments.Add(new Segment(id, path));
            }
        }

        _segments.Sort((a, b) => a.Id.CompareTo(b.Id));
        var (cursorSegment, cursorOffset) = ReadCursor();
        _nextSegmentId = Math.Max(cursorSegment, _segments.Count > 0 ? _segments[^1].Id : 0) + 1;
        while (_segments.Count > 0 && _segments[0].Id < cursorSegment)
        {
            File.Delete(_segments[0].Path);
            _segments.RemoveAt(0);
        }

        foreach (var segment in _segments)
        {
            ScanSegment(segment, segment.Id == cursorSegment ? cursorOffset : 0);
        }

        _readOffset = _segments.Count > 0 && _segments[0].Id == cursorSegment ? Math.Min(cursorOffset, _segments[0].Bytes) : 0;
        _pendingPoints = _segments.Sum(s => s.Points - s.ConsumedPoints);
        if (_pendingPoints > 0)
        {
            LogReopened(_logger, _pendingPoints, _segments.Count, _directory);
        }
    }

    /// <summary>Counts a segment's records and cuts off a torn tail left by a crash mid-append.</summary>
    private void ScanSegment(Segment segment, long consumedUpTo)
    {
        using var file = new FileStream(segment.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        var header = new byte[HeaderBytes];
        long offset = 0;
        while (offset + HeaderBytes <= file.Length)
        {
            file.Position = offset;
            file.ReadExactly(header);
            var length = BinaryPrimitives.ReadInt32LittleEndian(header);
            var points = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4));
            if (length < 0 || points <= 0 || offset + HeaderBytes + length > file.Length)
            {
                break;
            }

            segment.Points += points;
            if (offset < consumedUpTo)
            {
                segment.ConsumedPoints += points;
            }

            offset += HeaderBytes + length;
        }

        if (offset < file.Length)
        {
            LogTornTail(_logger, segment.Path, file.Length - offset);
            file.SetLength(offset);
        }

        segment.Bytes = offset;
    }

    private SpoolBatch? ReadRecord(Segment segment, long offset)
    {
        using var file = new FileStream(segment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        file.Position = offset;
        var header = new byte[HeaderBytes];
        file.ReadExactly(header);
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        var points = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4));
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8));
        if (length < 0 || offset + HeaderBytes + length > segment.Bytes)
        {
            return null;
        }

        var payload = new byte[length];
        file.ReadExactly(payload);
        if (Crc32.HashToUInt32(payload) != crc)
        {
            return null;
        }

        var lines = Encoding.UTF8.GetString(payload).Split('\n');
        return lines.Length == points ? new SpoolBatch(segment.Id, offset, offset + HeaderBytes + length, lines) : null;
    }

    private Segment StartSegment()
    {
        _writer?.Dispose();
        var id = _nextSegmentId++;
        var segment = new Segment(id, Path.Combine(_directory, id.ToString("D16", CultureInfo.InvariantCulture) + SegmentExtension));
        _writer = new FileStream(segment.Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        _segments.Add(segment);
        return segment;
    }

    private long EnforceBound()
    {
        long dropped = 0;
        while (_segments.Count > 1 && _segments.Sum(s => s.Bytes) > _maxBytes)
        {
            var oldest = _segments[0];
            var lost = oldest.Points - oldest.ConsumedPoints;
            dropped += lost;
            _droppedPoints += lost;
            _pendingPoints -= lost;
            LogSegmentDropped(_logger, oldest.Path, lost, _maxBytes);
            DeleteOldestSegment();
        }

        if (dropped > 0)
        {
            WriteCursor();
        }

        return dropped;
    }

    private void DeleteOldestSegment()
    {
        var oldest = _segments[0];
        _segments.RemoveAt(0);
        File.Delete(oldest.Path);
        _readOffset = 0;
    }

    /// <summary>Everything replayed: remove the files so the spool takes no disk at all.</summary>
    private void ResetWhenDrained()
    {
        _writer?.Dispose();
        _writer = null;
        File.Delete(_segments[0].Path);
        _segments.Clear();
        _readOffset = 0;
        _pendingPoints = 0;
        WriteCursor();
    }

    private (long Segment, long Offset) ReadCursor()
    {
        var path = Path.Combine(_directory, CursorFile);
        if (!File.Exists(path))
        {
            return (0, 0);
        }

        var bytes = File.ReadAllBytes(path);
        return bytes.Length == 16
            ? (BinaryPrimitives.ReadInt64LittleEndian(bytes), BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8)))
            : (0, 0);
    }

    /// <summary>Not fsynced: after a crash replay may repeat a batch, which InfluxDB absorbs (same series and time overwrite).</summary>
    private void WriteCursor()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, _segments.Count > 0 ? _segments[0].Id : _nextSegmentId);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), _readOffset);
        File.WriteAllBytes(Path.Combine(_directory, CursorFile), bytes);
    }

    private sealed class Segment(long id, string path)
    {
        public long Id { get; } = id;

        public string Path { get; } = path;

        public long Bytes { get; set; }

        public long Points { get; set; }

        public long ConsumedPoints { get; set; }
    }
}

/// <summary>One spooled batch, as read back for replay.</summary>
public sealed record SpoolBatch(long SegmentId, long Offset, long NextOffset, IReadOnlyList<string> Lines);
