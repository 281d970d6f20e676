using Microsoft.Extensions.Logging.Abstractions;
using RedProperty.Iot.Hub.TimeSeries.Spool;

namespace RedProperty.Iot.Hub.Tests.Unit;

public sealed class DiskSpoolTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rp-spool-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private DiskSpool Open(long maxBytes = 1 << 20, long segmentBytes = 1 << 16) =>
        new(_directory, maxBytes, segmentBytes, NullLogger<DiskSpool>.Instance);

    private static string[] Batch(int from, int count) =>
        Enumerable.Range(from, count).Select(i => $"light,device=d{i} lux={i} {1000 + i}").ToArray();

    [Fact]
    public void Batches_come_back_in_order_and_the_spool_empties_when_all_are_committed()
    {
        using var spool = Open();
        spool.Append(Batch(0, 3));
        spool.Append(Batch(3, 2));
        Assert.Equal(5, spool.PendingPoints);

        var first = spool.Peek()!;
        Assert.Equal(Batch(0, 3), first.Lines);
        Assert.Equal(Batch(0, 3), spool.Peek()!.Lines); // peeking again gives the same batch until it is committed
        spool.Commit(first);
        var second = spool.Peek()!;
        Assert.Equal(Batch(3, 2), second.Lines);
        spool.Commit(second);

        Assert.Null(spool.Peek());
        Assert.True(spool.IsEmpty);
        Assert.Empty(Directory.GetFiles(_directory, "*.seg"));
    }

    [Fact]
    public void What_is_not_committed_survives_a_reopen_and_what_is_committed_does_not_come_back()
    {
        using (var spool = Open())
        {
            spool.Append(Batch(0, 2));
            spool.Append(Batch(2, 2));
            spool.Commit(spool.Peek()!);
        }

        using var reopened = Open();
        Assert.Equal(2, reopened.PendingPoints);
        Assert.Equal(Batch(2, 2), reopened.Peek()!.Lines);
        reopened.Append(Batch(4, 1));
        reopened.Commit(reopened.Peek()!);
        Assert.Equal(Batch(4, 1), reopened.Peek()!.Lines);
    }

    [Fact]
    public void A_torn_record_from_a_crash_is_cut_off_and_the_rest_replays()
    {
        using (var spool = Open())
        {
            spool.Append(Batch(0, 2));
            spool.Append(Batch(2, 2));
        }

        var segment = Directory.GetFiles(_directory, "*.seg").Single();
        using (var file = new FileStream(segment, FileMode.Open))
        {
            file.SetLength(file.Length - 5);
        }

        using var reopened = Open();
        Assert.Equal(2, reopened.PendingPoints);
        var batch = reopened.Peek()!;
        Assert.Equal(Batch(0, 2), batch.Lines);
        reopened.Commit(batch);
        Assert.Null(reopened.Peek());
    }

    [Fact]
    public void When_full_the_oldest_segments_go_first_and_are_counted()
    {
        long droppedEvent = 0;
        using var spool = Open(maxBytes: 2000, segmentBytes: 500);
        spool.PointsDropped += n => droppedEvent += n;
        for (var i = 0; i < 100; i++)
        {
            spool.Append(Batch(i, 1));
        }

        Assert.True(spool.Bytes <= 2000);
        Assert.True(spool.DroppedPoints > 0);
        Assert.Equal(spool.DroppedPoints, droppedEvent);
        Assert.Equal(100, spool.DroppedPoints + spool.PendingPoints);

        var remaining = new List<string>();
        while (spool.Peek() is { } batch)
        {
            remaining.AddRange(batch.Lines);
            spool.Commit(batch);
        }

        Assert.Equal(Batch((int)spool.DroppedPoints, 100 - (int)spool.DroppedPoints), remaining);
    }

    [Fact]
    public void A_record_damaged_on_disk_is_counted_as_lost_not_replayed_as_garbage()
    {
        using (var spool = Open())
        {
            spool.Append(Batch(0, 2));
        }

        var segment = Directory.GetFiles(_directory, "*.seg").Single();
        var bytes = File.ReadAllBytes(segment);
        bytes[^3] ^= 0xFF;
        File.WriteAllBytes(segment, bytes);

        using var reopened = Open();
        Assert.Null(reopened.Peek());
        Assert.Equal(2, reopened.DroppedPoints);
    }
}
