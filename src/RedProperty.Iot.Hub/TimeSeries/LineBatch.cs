using System.Text;

namespace RedProperty.Iot.Hub.TimeSeries;

/// <summary>
/// Line-protocol lines as InfluxDB's write endpoint takes them: one UTF-8 body, a newline between lines. The
/// shipper fills one batch from the journal's bytes and reuses it, so a write costs no string per point, no
/// joined string and no second UTF-8 copy (those were a fifth of what the hub allocated per message).
/// </summary>
public sealed class LineBatch
{
    // A batch that grew past this (very long lines) gives its buffer back when cleared.
    private const int KeepBytes = 4 << 20;

    private readonly List<int> _ends = [];
    private byte[] _body;
    private int _length;

    public LineBatch(int capacityBytes = 4096)
    {
        _body = new byte[Math.Max(16, capacityBytes)];
    }

    public int Count => _ends.Count;

    /// <summary>The lines, a newline between each two; valid until the batch changes.</summary>
    public ReadOnlyMemory<byte> Body => _body.AsMemory(0, _length);

    /// <summary>Line <paramref name="index"/> as text (for the dead-letter file, logs and the v2 client).</summary>
    public string this[int index] => Encoding.UTF8.GetString(LineBytes(index));

    public static LineBatch Of(IEnumerable<string> lines)
    {
        var batch = new LineBatch();
        foreach (var line in lines)
        {
            batch.Add(Encoding.UTF8.GetBytes(line));
        }

        return batch;
    }

    /// <summary>Adds one line; it must not contain a newline (line protocol escapes none: the hub writes none).</summary>
    public void Add(ReadOnlySpan<byte> line)
    {
        var separator = _ends.Count > 0 ? 1 : 0;
        var needed = _length + separator + line.Length;
        if (needed > _body.Length)
        {
            Array.Resize(ref _body, Math.Max(needed, _body.Length * 2));
        }

        if (separator > 0)
        {
            _body[_length++] = (byte)'\n';
        }

        line.CopyTo(_body.AsSpan(_length));
        _length += line.Length;
        _ends.Add(_length);
    }

    /// <summary>A new batch with <paramref name="count"/> lines from <paramref name="start"/> (to split a batch InfluxDB refused).</summary>
    public LineBatch Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, Count);
        var slice = new LineBatch(count == 0 ? 16 : _ends[start + count - 1] - StartOf(start));
        for (var i = start; i < start + count; i++)
        {
            slice.Add(LineBytes(i));
        }

        return slice;
    }

    public List<string> ToStrings()
    {
        var lines = new List<string>(Count);
        for (var i = 0; i < Count; i++)
        {
            lines.Add(this[i]);
        }

        return lines;
    }

    public void Clear()
    {
        _ends.Clear();
        _length = 0;
        if (_body.Length > KeepBytes)
        {
            _body = new byte[KeepBytes / 4];
        }
    }

    private ReadOnlySpan<byte> LineBytes(int index)
    {
        var start = StartOf(index);
        return _body.AsSpan(start, _ends[index] - start);
    }

    private int StartOf(int index) => index == 0 ? 0 : _ends[index - 1] + 1;
}
