using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RedProperty.Iot.Hub.Journal;

namespace RedProperty.Iot.Hub.Tests.Unit.Journal;

/// <summary>A journal directory in a temporary folder, opened with small segments so rotation happens within a test.</summary>
internal sealed class JournalFolder : IDisposable
{
    public const int HeaderBytes = 32;

    public JournalFolder(string? path = null)
    {
        Path = path ?? Directory.CreateTempSubdirectory("rp-journal-").FullName;
    }

    public string Path { get; }

    /// <summary>The metrics of the journal opened last (each open gets its own registry).</summary>
    public JournalMetrics Metrics { get; private set; } = NewMetrics();

    public string[] SegmentFiles => Directory.GetFiles(Path, "*.journal").Order(StringComparer.Ordinal).ToArray();

    public long FileBytes => SegmentFiles.Sum(f => new FileInfo(f).Length);

    public static JournalOptions Options(long segmentBytes = 4096, long maxBytes = 1 << 20, int commitDelayMs = 0, int commitMaxBytes = 4096, long preallocateBytes = 1 << 20) =>
        new() { SegmentBytes = segmentBytes, MaxBytes = maxBytes, CommitDelayMs = commitDelayMs, CommitMaxBytes = commitMaxBytes, PreallocateBytes = preallocateBytes };

    /// <summary>Where a segment file's records end: after its last byte that is not zero (records end in their data, which the tests make of dots).</summary>
    public static long RecordBytesIn(string file)
    {
        var bytes = File.ReadAllBytes(file);
        return bytes.AsSpan().LastIndexOfAnyExcept((byte)0) + 1;
    }

    public static JournalMetrics NewMetrics() => new(Prometheus.Metrics.NewCustomRegistry());

    /// <summary>Record i's data: "record-i" padded with dots to <paramref name="size"/> bytes.</summary>
    public static byte[] Data(long i, int size = 64) => Encoding.ASCII.GetBytes($"record-{i}".PadRight(size, '.'));

    public static string Text(JournalRecord record) => Encoding.ASCII.GetString(record.Data.Span).TrimEnd('.');

    /// <summary>The sequence number in the header of the first record of a segment file.</summary>
    public static long FirstSequenceIn(string file)
    {
        using var stream = File.OpenRead(file);
        var header = new byte[HeaderBytes];
        stream.ReadExactly(header);
        return BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(8));
    }

    public IngestJournal Open(JournalOptions? options = null, TimeProvider? time = null, ILogger<IngestJournal>? logger = null)
    {
        Metrics = NewMetrics();
        return IngestJournal.Open(options ?? Options(), Path, time ?? TimeProvider.System, Metrics, logger ?? NullLogger<IngestJournal>.Instance);
    }

    /// <summary>Appends and waits for the fsync; fails the test unless both succeed.</summary>
    public static async Task<long> AppendDurableAsync(IngestJournal journal, byte[] data)
    {
        var ticket = journal.Append(data);
        Assert.Equal(JournalAppendOutcome.Appended, ticket.Outcome);
        Assert.True(await ticket.WaitDurableAsync());
        return ticket.Sequence;
    }

    /// <summary>Reads until the record <paramref name="lastSequence"/> came, copying the data (the reader reuses its buffer).</summary>
    public static async Task<List<JournalRecord>> ReadThroughAsync(JournalReader reader, long lastSequence, int maxPerRead = 50)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var all = new List<JournalRecord>();
        var batch = new List<JournalRecord>();
        while (all.Count == 0 || all[^1].Sequence < lastSequence)
        {
            await reader.ReadAsync(batch, maxPerRead, timeout.Token);
            all.AddRange(batch.Select(r => r with { Data = r.Data.ToArray() }));
        }

        return all;
    }

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
