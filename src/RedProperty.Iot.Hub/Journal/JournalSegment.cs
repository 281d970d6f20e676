using Microsoft.Win32.SafeHandles;

namespace RedProperty.Iot.Hub.Journal;

/// <summary>One segment file, named by the sequence number of its first record.</summary>
internal sealed class JournalSegment(long firstSequence, string path, long length)
{
    private long _durableEnd = length;
    private int _sealed;

    public long FirstSequence { get; } = firstSequence;

    public string Path { get; } = path;

    /// <summary>Bytes in the file. Changed only by the commit loop; final once the segment is sealed.</summary>
    public long Length { get; set; } = length;

    /// <summary>Everything before this offset is fsynced and ends on a record boundary: readers read up to here.</summary>
    public long DurableEnd
    {
        get => Volatile.Read(ref _durableEnd);
        set => Volatile.Write(ref _durableEnd, value);
    }

    /// <summary>A later segment exists and nothing more is written here.</summary>
    public bool Sealed
    {
        get => Volatile.Read(ref _sealed) != 0;
        set => Volatile.Write(ref _sealed, value ? 1 : 0);
    }

    /// <summary>The commit loop's handle (the active segment only).</summary>
    public SafeFileHandle? Writer { get; set; }
}
