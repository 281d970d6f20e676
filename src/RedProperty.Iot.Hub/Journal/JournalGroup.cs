using System.Diagnostics;

namespace RedProperty.Iot.Hub.Journal;

/// <summary>Records waiting for one group commit: their bytes as they go to disk, and one completion that releases them all.</summary>
internal sealed class JournalGroup(int capacity)
{
    private byte[] _buffer = new byte[capacity];

    public int Length { get; private set; }

    public int Records { get; private set; }

    public long FirstSequence { get; private set; }

    public long LastSequence { get; private set; }

    /// <summary>When the first record came (Stopwatch ticks): the commit waits for more until CommitDelayMs after it.</summary>
    public long OpenedAt { get; private set; }

    public TaskCompletionSource<bool> Done { get; private set; } = NewCompletion();

    /// <summary>The same outcome for the PUBACKs waiting on this group: their continuations run on the commit thread (see <see cref="JournalTicket.WaitAcknowledgeableAsync"/>).</summary>
    public TaskCompletionSource<bool> DoneInline { get; private set; } = new();

    public ReadOnlyMemory<byte> Bytes => _buffer.AsMemory(0, Length);

    /// <summary>Called under the journal's lock.</summary>
    public void Add(long sequence, long appendedAtMs, uint dataCrc, ReadOnlySpan<byte> data)
    {
        var size = JournalFormat.HeaderBytes + data.Length;
        if (_buffer.Length - Length < size)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + size));
        }

        JournalFormat.Write(_buffer.AsSpan(Length, size), sequence, appendedAtMs, dataCrc, data);
        if (Records == 0)
        {
            FirstSequence = sequence;
            OpenedAt = Stopwatch.GetTimestamp();
        }

        LastSequence = sequence;
        Length += size;
        Records++;
    }

    /// <summary>Empties the group for reuse, keeping its buffer unless it grew past <paramref name="keepUpTo"/> (one huge record).</summary>
    public void Reset(int keepUpTo)
    {
        if (_buffer.Length > keepUpTo)
        {
            _buffer = new byte[keepUpTo / 2];
        }

        Length = 0;
        Records = 0;
        Done = NewCompletion();
        DoneInline = new();
    }

    private static TaskCompletionSource<bool> NewCompletion() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
