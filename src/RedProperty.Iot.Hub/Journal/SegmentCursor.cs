using Microsoft.Win32.SafeHandles;

namespace RedProperty.Iot.Hub.Journal;

/// <summary>Reads one segment file through a buffer: records are checked in place, and a damaged stretch is skipped by looking for the next good header.</summary>
internal sealed class SegmentCursor : IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly byte[] _buffer;
    private long _start;
    private int _length;

    private SegmentCursor(SafeFileHandle file, byte[] buffer)
    {
        _file = file;
        _buffer = buffer;
    }

    /// <summary>Big enough for the largest record with room to spare.</summary>
    public static int BufferBytes => JournalFormat.HeaderBytes + JournalFormat.MaxDataBytes + (64 << 10);

    public long FileLength => RandomAccess.GetLength(_file);

    /// <summary>Opens for reading; the file may be deleted (retention) while it is read.</summary>
    public static SegmentCursor Open(string path, byte[] buffer) =>
        new(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete), buffer);

    /// <summary>
    /// Checks the record at <paramref name="offset"/> (records end at or before <paramref name="end"/>). With
    /// <paramref name="mayRefill"/> false the buffer is not replaced (memory handed out stays valid) and
    /// <see cref="RecordCheck.Incomplete"/> means "not buffered"; with it true, Incomplete means the record runs past <paramref name="end"/>.
    /// </summary>
    public RecordCheck Check(long offset, long end, bool mayRefill, out RecordHeader header)
    {
        var check = JournalFormat.Check(Window(offset, end, JournalFormat.HeaderBytes, mayRefill), out header, out var needed);
        if (check == RecordCheck.Incomplete && mayRefill && offset + needed <= end)
        {
            check = JournalFormat.Check(Window(offset, end, needed, mayRefill: true), out header, out _);
        }

        return check;
    }

    /// <summary>The data of the record at <paramref name="offset"/>, valid until the buffer is refilled.</summary>
    public ReadOnlyMemory<byte> Data(long offset, in RecordHeader header) =>
        _buffer.AsMemory((int)(offset - _start) + JournalFormat.HeaderBytes, header.Length);

    /// <summary>The offset of the next whole, good record at or after <paramref name="from"/>, or -1 when there is none before <paramref name="end"/>.</summary>
    public long FindNextGood(long from, long end)
    {
        var position = from;
        while (position + JournalFormat.HeaderBytes <= end)
        {
            var window = Window(position, end, JournalFormat.HeaderBytes, mayRefill: true);
            var found = JournalFormat.IndexOfHeader(window);
            if (found < 0)
            {
                if (position + window.Length >= end)
                {
                    return -1;
                }

                // A header may begin in the last bytes of the window: look at them again with what follows.
                position += Math.Max(1, window.Length - JournalFormat.HeaderBytes + 1);
                continue;
            }

            var candidate = position + found;
            if (Check(candidate, end, mayRefill: true, out _) == RecordCheck.Ok)
            {
                return candidate;
            }

            position = candidate + 1;
        }

        return -1;
    }

    public void Dispose() => _file.Dispose();

    private ReadOnlySpan<byte> Window(long offset, long end, int atLeast, bool mayRefill)
    {
        var buffered = Buffered(offset, end);
        if (buffered.Length >= Math.Min(atLeast, end - offset) || !mayRefill)
        {
            return buffered;
        }

        _start = offset;
        _length = 0;
        var want = (int)Math.Min(_buffer.Length, end - offset);
        while (_length < want)
        {
            var read = RandomAccess.Read(_file, _buffer.AsSpan(_length, want - _length), offset + _length);
            if (read == 0)
            {
                break;
            }

            _length += read;
        }

        return Buffered(offset, end);
    }

    private ReadOnlySpan<byte> Buffered(long offset, long end)
    {
        if (offset < _start || offset >= _start + _length)
        {
            return [];
        }

        return _buffer.AsSpan((int)(offset - _start), (int)Math.Max(0, Math.Min(_start + _length, end) - offset));
    }
}
