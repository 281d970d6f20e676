using Microsoft.Extensions.Logging;
using static RedProperty.Iot.Hub.Tests.Unit.Journal.JournalFolder;

namespace RedProperty.Iot.Hub.Tests.Unit.Journal;

/// <summary>What a crash or a damaged disk leaves in a segment: a torn last record is cut, damage in the middle is skipped.</summary>
public sealed class JournalRecoveryTests : IDisposable
{
    private readonly JournalFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_torn_last_record_is_cut_at_every_byte_it_can_be_torn_at()
    {
        using var pristine = new JournalFolder();
        await using (var journal = pristine.Open())
        {
            for (var i = 1; i <= 5; i++)
            {
                await AppendDurableAsync(journal, Data(i, 40));
            }
        }

        var segment = pristine.SegmentFiles.Single();
        var bytes = await File.ReadAllBytesAsync(segment);
        var lastRecordStart = bytes.Length - (HeaderBytes + 40);
        var name = System.IO.Path.GetFileName(segment);
        for (var cut = lastRecordStart; cut < bytes.Length; cut++)
        {
            using var torn = new JournalFolder();
            await File.WriteAllBytesAsync(System.IO.Path.Combine(torn.Path, name), bytes.AsMemory(0, cut));
            await using (var journal = torn.Open())
            {
                Assert.Equal(4, journal.DurableSequence);
                Assert.Equal(lastRecordStart, new FileInfo(torn.SegmentFiles.Single()).Length);
                Assert.Equal(5, await AppendDurableAsync(journal, Data(55, 40)));
                using var reader = journal.OpenReader("alerts", 0, mayDropOldest: false);
                var records = await ReadThroughAsync(reader, 5);
                Assert.Equal(["record-1", "record-2", "record-3", "record-4", "record-55"], records.Select(Text));
                Assert.Equal(0, torn.Metrics.RecordsCorrupt.Value);
            }

            await using var reopened = torn.Open();
            Assert.Equal(5, reopened.DurableSequence);
        }
    }

    [Theory]
    [InlineData("data")]
    [InlineData("length")]
    public async Task A_damaged_record_in_the_middle_is_skipped_and_counted_and_the_rest_of_its_segment_is_read(string where)
    {
        await using (var journal = _folder.Open(Options(segmentBytes: 1 << 20)))
        {
            for (var i = 1; i <= 10; i++)
            {
                await AppendDurableAsync(journal, Data(i, 64));
            }
        }

        var segment = _folder.SegmentFiles.Single();
        var length = new FileInfo(segment).Length;
        var fifthStart = 4 * (HeaderBytes + 64);
        await using (var file = new FileStream(segment, FileMode.Open, FileAccess.ReadWrite))
        {
            // The length field is at offset 4 of the header; the data starts after the 32-byte header.
            file.Position = fifthStart + (where == "length" ? 5 : HeaderBytes + 10);
            var b = file.ReadByte();
            file.Position--;
            file.WriteByte((byte)(b ^ 0x5A));
        }

        await using var reopened = _folder.Open(Options(segmentBytes: 1 << 20));
        Assert.Equal(length, new FileInfo(segment).Length); // not taken for a torn tail: good records follow
        Assert.Equal(10, reopened.DurableSequence);
        using var alerts = reopened.OpenReader("alerts", 0, mayDropOldest: false);
        using var shipper = reopened.OpenReader("shipper", 0, mayDropOldest: true);
        long[] expected = [1, 2, 3, 4, 6, 7, 8, 9, 10];
        Assert.Equal(expected, (await ReadThroughAsync(alerts, 10)).Select(r => r.Sequence));
        Assert.Equal(expected, (await ReadThroughAsync(shipper, 10, maxPerRead: 3)).Select(r => r.Sequence));
        Assert.Equal(1, _folder.Metrics.RecordsCorrupt.Value); // once, though two readers passed it
        using var third = reopened.OpenReader("third", 0, mayDropOldest: false);
        Assert.Equal(expected.Select(i => $"record-{i}"), (await ReadThroughAsync(third, 10)).Select(Text));

        alerts.Advance(10);
        Assert.Equal(0, alerts.Lag);
        Assert.Equal(11, await AppendDurableAsync(reopened, Data(11)));
    }

    [Fact]
    public async Task The_zeros_preallocated_after_the_last_record_are_cut_at_open_and_not_taken_for_a_torn_record()
    {
        var options = Options(segmentBytes: 1 << 20, preallocateBytes: 64 << 10);
        using var crashed = new JournalFolder();
        await using (var journal = _folder.Open(options))
        {
            for (var i = 1; i <= 20; i++)
            {
                await AppendDurableAsync(journal, Data(i));
            }

            // What kill -9 leaves: the file as it is while the journal runs.
            var running = _folder.SegmentFiles.Single();
            Assert.Equal(journal.Bytes, RecordBytesIn(running));
            Assert.True(new FileInfo(running).Length > journal.Bytes + (32 << 10), $"{new FileInfo(running).Length} bytes in the file, {journal.Bytes} of records");
            File.Copy(running, System.IO.Path.Combine(crashed.Path, System.IO.Path.GetFileName(running)));
        }

        Assert.Equal(20 * (HeaderBytes + 64), new FileInfo(_folder.SegmentFiles.Single()).Length); // a clean stop cuts them itself

        var log = new JournalLog();
        await using (var recovered = crashed.Open(options, logger: log))
        {
            Assert.Equal(20, recovered.DurableSequence);
            Assert.Equal(20 * (HeaderBytes + 64), new FileInfo(crashed.SegmentFiles.Single()).Length);
            Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Warning);
            Assert.Contains(log.Entries, e => e.Message.Contains("preallocated", StringComparison.Ordinal));
            Assert.Equal(21, await AppendDurableAsync(recovered, Data(21)));
            using var reader = recovered.OpenReader("alerts", 0, mayDropOldest: false);
            Assert.Equal(Enumerable.Range(1, 21).Select(i => $"record-{i}"), (await ReadThroughAsync(reader, 21)).Select(Text));
            Assert.Equal(0, crashed.Metrics.RecordsCorrupt.Value);
        }
    }

    [Fact]
    public async Task A_record_torn_inside_the_preallocated_zeros_is_cut_as_a_torn_record()
    {
        var options = Options(segmentBytes: 1 << 20, preallocateBytes: 64 << 10);
        using var crashed = new JournalFolder();
        string name;
        byte[] image;
        await using (var journal = _folder.Open(options))
        {
            for (var i = 1; i <= 6; i++)
            {
                await AppendDurableAsync(journal, Data(i));
            }

            var running = _folder.SegmentFiles.Single();
            name = System.IO.Path.GetFileName(running);
            image = await File.ReadAllBytesAsync(running);
        }

        // The sixth record only half written over the zeros, as a crash mid-write leaves it: records 1-5, half of 6, zeros.
        var recordBytes = HeaderBytes + 64;
        image.AsSpan(5 * recordBytes + recordBytes / 2, recordBytes / 2).Clear();
        await File.WriteAllBytesAsync(System.IO.Path.Combine(crashed.Path, name), image);

        var log = new JournalLog();
        await using var recovered = crashed.Open(options, logger: log);
        Assert.Equal(5, recovered.DurableSequence);
        Assert.Equal(5 * recordBytes, new FileInfo(crashed.SegmentFiles.Single()).Length);
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("torn", StringComparison.Ordinal));
        Assert.Equal(6, await AppendDurableAsync(recovered, Data(66)));
    }

    [Fact]
    public async Task Segments_end_at_their_last_record_once_sealed_and_only_the_active_one_runs_ahead()
    {
        await using var journal = _folder.Open(Options(segmentBytes: 4096, preallocateBytes: 2048));
        for (var i = 1; i <= 150; i++)
        {
            await AppendDurableAsync(journal, Data(i));
        }

        var files = _folder.SegmentFiles;
        Assert.True(files.Length >= 4, $"{files.Length} segments");
        foreach (var sealedFile in files[..^1])
        {
            Assert.Equal(RecordBytesIn(sealedFile), new FileInfo(sealedFile).Length);
        }

        Assert.True(new FileInfo(files[^1]).Length > RecordBytesIn(files[^1]), "the active segment has preallocated space");
        Assert.True(new FileInfo(files[^1]).Length <= 4096, "never beyond the segment size");
        Assert.Equal(files.Sum(RecordBytesIn), journal.Bytes);
        using var reader = journal.OpenReader("alerts", 0, mayDropOldest: false);
        Assert.Equal(Enumerable.Range(1, 150).Select(i => (long)i), (await ReadThroughAsync(reader, 150)).Select(r => r.Sequence));
    }

    [Fact]
    public async Task Without_preallocation_the_file_ends_at_the_last_record_while_the_journal_runs()
    {
        await using var journal = _folder.Open(Options(segmentBytes: 1 << 20, preallocateBytes: 0));
        for (var i = 1; i <= 5; i++)
        {
            await AppendDurableAsync(journal, Data(i));
            Assert.Equal(i * (HeaderBytes + 64), new FileInfo(_folder.SegmentFiles.Single()).Length);
        }
    }
}
