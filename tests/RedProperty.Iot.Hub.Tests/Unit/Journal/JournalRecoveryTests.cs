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
}
