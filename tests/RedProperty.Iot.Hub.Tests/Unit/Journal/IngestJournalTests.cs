using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using RedProperty.Iot.Hub.Journal;
using RedProperty.Iot.Hub.Operations;
using RedProperty.Iot.Hub.Tests.Infrastructure;
using static RedProperty.Iot.Hub.Tests.Unit.Journal.JournalFolder;

namespace RedProperty.Iot.Hub.Tests.Unit.Journal;

public sealed class IngestJournalTests : IDisposable
{
    private readonly JournalFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_consumer_that_is_expected_but_not_yet_reading_keeps_every_record_from_going()
    {
        using var folder = new JournalFolder();
        await using var journal = folder.Open(Options(segmentBytes: 4096, maxBytes: 1 << 20));
        journal.ExpectReader("alerts");
        using var shipper = journal.OpenReader("influx", 0, mayDropOldest: true);
        long last = 0;
        for (var i = 1; i <= 200; i++)
        {
            last = await AppendDurableAsync(journal, Data(i, 100));
        }

        // The shipper has finished everything, across several segments; the alert pipeline has not started.
        await ReadThroughAsync(shipper, last);
        shipper.Advance(last);
        await Task.Delay(300);
        Assert.True(folder.SegmentFiles.Length > 2);
        Assert.Equal(1, FirstSequenceIn(folder.SegmentFiles[0]));

        using var alerts = journal.OpenReader("alerts", 0, mayDropOldest: false);
        var records = await ReadThroughAsync(alerts, last);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), records.Select(r => r.Sequence));
        Assert.Equal(0, alerts.DroppedRecords);
    }

    [Fact]
    public async Task A_quiet_spell_ends_a_wait_again_and_again_and_records_between_them_are_read()
    {
        await using var journal = _folder.Open();
        using var reader = journal.OpenReader("alerts", after: 0, mayDropOldest: false);
        using var stopping = new CancellationTokenSource();
        var records = new List<JournalRecord>();
        for (var round = 1; round <= 3; round++)
        {
            // The reader's quiet timer is reused between waits: each wait must still end by itself when nothing comes...
            Assert.False(await reader.TryReadWithinAsync(records, 10, TimeSpan.FromMilliseconds(50), stopping.Token));
            Assert.Empty(records);

            // ...and must not end one that gets its record, nor leave a timer behind that ends the next too early.
            var read = reader.TryReadWithinAsync(records, 10, TimeSpan.FromSeconds(10), stopping.Token);
            Assert.Equal(round, await AppendDurableAsync(journal, Data(round)));
            Assert.True(await read);
            Assert.Equal(round, Assert.Single(records).Sequence);
        }

        // The consumer's own stop is not a quiet spell: it ends the wait with an exception.
        var stopped = reader.TryReadWithinAsync(records, 10, TimeSpan.FromSeconds(10), stopping.Token).AsTask();
        await stopping.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stopped);
    }

    [Fact]
    public async Task Records_come_back_in_order_across_segments_and_the_numbering_goes_on_after_a_reopen()
    {
        await using (var journal = _folder.Open())
        {
            for (var i = 1; i <= 100; i++)
            {
                Assert.Equal(i, await AppendDurableAsync(journal, Data(i)));
            }

            Assert.True(_folder.SegmentFiles.Length >= 3, $"expected rotation, got {_folder.SegmentFiles.Length} segment(s)");
            using var reader = journal.OpenReader("alerts", after: 0, mayDropOldest: false);
            var records = await ReadThroughAsync(reader, 100, maxPerRead: 7);
            Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), records.Select(r => r.Sequence));
            Assert.Equal(Enumerable.Range(1, 100).Select(i => $"record-{i}"), records.Select(Text));
        }

        // Each file is named by the sequence number of its first record.
        foreach (var file in _folder.SegmentFiles)
        {
            Assert.Equal(long.Parse(System.IO.Path.GetFileNameWithoutExtension(file)), FirstSequenceIn(file));
        }

        await using (var reopened = _folder.Open())
        {
            Assert.Equal(100, reopened.DurableSequence);
            for (var i = 101; i <= 110; i++)
            {
                Assert.Equal(i, await AppendDurableAsync(reopened, Data(i)));
            }

            using var fromStart = reopened.OpenReader("alerts", after: 0, mayDropOldest: false);
            Assert.Equal(Enumerable.Range(1, 110).Select(i => $"record-{i}"), (await ReadThroughAsync(fromStart, 110)).Select(Text));
            using var fromCursor = reopened.OpenReader("shipper", after: 50, mayDropOldest: true);
            Assert.Equal(Enumerable.Range(51, 60).Select(i => (long)i), (await ReadThroughAsync(fromCursor, 110)).Select(r => r.Sequence));
        }
    }

    [Fact]
    public async Task Concurrent_appenders_share_fsyncs_in_group_commits()
    {
        const int appenders = 16, each = 200, records = appenders * each;
        await using var journal = _folder.Open(Options(segmentBytes: 1 << 20, maxBytes: 64 << 20, commitDelayMs: 2, commitMaxBytes: 64 << 10));
        var sequences = await Task.WhenAll(Enumerable.Range(0, appenders).Select(a => Task.Run(async () =>
        {
            var mine = new List<long>();
            for (var i = 0; i < each; i++)
            {
                mine.Add(await AppendDurableAsync(journal, Data((a * each) + i)));
            }

            return mine;
        })));

        Assert.Equal(Enumerable.Range(1, records).Select(i => (long)i), sequences.SelectMany(s => s).Order());
        var fsyncs = _folder.Metrics.FsyncSeconds.Count;
        Assert.True(fsyncs < records / 4, $"{fsyncs} fsyncs for {records} records: no group commit");
        Assert.Equal(records, _folder.Metrics.Records.Value);
        Assert.Equal(records, _folder.Metrics.GroupRecords.Sum);
        Assert.Equal(fsyncs, _folder.Metrics.GroupRecords.Count);
    }

    [Fact]
    public async Task A_record_is_on_disk_once_WaitDurable_returned_a_second_journal_on_the_directory_finds_it()
    {
        await using var writer = _folder.Open(Options(commitDelayMs: 2));
        var tickets = Enumerable.Range(1, 20).Select(i => writer.Append(Data(i))).ToArray();
        foreach (var ticket in tickets)
        {
            Assert.True(await ticket.WaitDurableAsync());
        }

        // The first journal stays open (as if the hub were killed now): a second one recovers a copy of the directory on its own.
        using var crashed = new JournalFolder();
        foreach (var file in _folder.SegmentFiles)
        {
            File.Copy(file, System.IO.Path.Combine(crashed.Path, System.IO.Path.GetFileName(file)));
        }

        await using var second = crashed.Open();
        Assert.Equal(20, second.DurableSequence);
        using var reader = second.OpenReader("alerts", 0, mayDropOldest: false);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => $"record-{i}"), (await ReadThroughAsync(reader, 20)).Select(Text));
    }

    [Fact]
    public async Task A_second_journal_on_a_directory_in_use_is_refused_and_opens_once_the_first_is_closed()
    {
        var first = _folder.Open();
        await AppendDurableAsync(first, Data(1));

        var refused = Assert.Throws<IOException>(() => _folder.Open());
        Assert.Contains("in use by another hub", refused.Message, StringComparison.Ordinal);
        Assert.Contains(_folder.Path, refused.Message, StringComparison.Ordinal);
        Assert.Equal(2, await AppendDurableAsync(first, Data(2))); // the refused open changed nothing

        await first.DisposeAsync();
        await using var second = _folder.Open();
        Assert.Equal(2, second.DurableSequence);
        Assert.Equal(3, await AppendDurableAsync(second, Data(3)));
    }

    [Fact]
    public async Task Segments_are_deleted_once_every_reader_is_past_them()
    {
        await using var journal = _folder.Open();
        using var shipper = journal.OpenReader("shipper", 0, mayDropOldest: true);
        using var alerts = journal.OpenReader("alerts", 0, mayDropOldest: false);
        for (var i = 1; i <= 150; i++)
        {
            await AppendDurableAsync(journal, Data(i));
        }

        var segments = _folder.SegmentFiles.Length;
        Assert.True(segments >= 4, $"{segments} segments");
        await ReadThroughAsync(shipper, 150);
        shipper.Advance(150);
        await Task.Delay(300); // the commit loop deletes; nothing may go while the alert reader has finished nothing
        Assert.Equal(segments, _folder.SegmentFiles.Length);

        await ReadThroughAsync(alerts, 150);
        alerts.Advance(75);
        var kept = await Eventually.BecomesAsync(() => Task.FromResult(_folder.SegmentFiles), f => f.Length < segments, what: "segments below 75 deleted");
        Assert.True(FirstSequenceIn(kept[0]) <= 76, "the segment holding record 76 is kept");

        alerts.Advance(150);
        var last = await Eventually.BecomesAsync(() => Task.FromResult(_folder.SegmentFiles), f => f.Length == 1, what: "only the active segment left");
        Assert.Equal(1, journal.Segments);
        Assert.Equal(RecordBytesIn(last[0]), journal.Bytes);
        Assert.Equal(151, await AppendDurableAsync(journal, Data(151)));
    }

    [Fact]
    public async Task At_MaxBytes_the_lagging_shippers_oldest_records_are_dropped_and_counted_and_appends_go_on()
    {
        await using var journal = _folder.Open(Options(segmentBytes: 4096, maxBytes: 16384));
        using var shipper = journal.OpenReader("shipper", 0, mayDropOldest: true);
        for (var i = 1; i <= 400; i++)
        {
            Assert.Equal(i, await AppendDurableAsync(journal, Data(i, 100)));
            Assert.True(_folder.FileBytes <= 16384, $"{_folder.FileBytes} bytes on disk after record {i}");
        }

        Assert.True(shipper.DroppedRecords > 0);
        Assert.Equal(shipper.DroppedRecords, _folder.Metrics.RecordsDropped.WithLabels("shipper").Value);
        Assert.Equal(0, _folder.Metrics.AppendsRefused.WithLabels("full").Value);
        var records = await ReadThroughAsync(shipper, 400);
        Assert.Equal(shipper.DroppedRecords + 1, records[0].Sequence);
        Assert.Equal(Enumerable.Range((int)records[0].Sequence, records.Count).Select(i => (long)i), records.Select(r => r.Sequence));
        Assert.Equal(JournalState.Ready, journal.State);
    }

    [Fact]
    public async Task At_MaxBytes_a_lagging_alert_reader_makes_appends_Full_until_it_advances()
    {
        await using var journal = _folder.Open(Options(segmentBytes: 4096, maxBytes: 16384));
        using var alerts = journal.OpenReader("alerts", 0, mayDropOldest: false);
        using var shipper = journal.OpenReader("shipper", 0, mayDropOldest: true);
        var health = new JournalHealthCheck(journal);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);

        long appended = 0;
        JournalTicket refused = default;
        for (var i = 1; i <= 1000; i++)
        {
            var ticket = journal.Append(Data(i, 100));
            if (ticket.Outcome != JournalAppendOutcome.Appended)
            {
                refused = ticket;
                break;
            }

            Assert.True(await ticket.WaitDurableAsync());
            appended = ticket.Sequence;
        }

        Assert.Equal(JournalAppendOutcome.Full, refused.Outcome);
        Assert.False(await refused.WaitDurableAsync());
        Assert.Equal(JournalState.Full, journal.State);
        Assert.Contains("'alerts'", journal.Problem);
        Assert.True(_folder.FileBytes <= 16384);
        Assert.Equal(0, alerts.DroppedRecords);
        Assert.Equal(1, _folder.Metrics.AppendsRefused.WithLabels("full").Value);
        var report = await health.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.Contains("'alerts'", report.Description);

        var judged = await ReadThroughAsync(alerts, appended);
        Assert.Equal(Enumerable.Range(1, (int)appended).Select(i => (long)i), judged.Select(r => r.Sequence));
        alerts.Advance(appended);
        Assert.Equal(JournalState.Ready, journal.State);
        Assert.Equal(appended + 1, await AppendDurableAsync(journal, Data(appended + 1, 100)));
        Assert.Equal(0, alerts.DroppedRecords);
    }

    [Fact]
    public async Task A_record_over_the_size_limit_is_refused_with_its_own_outcome()
    {
        await using var journal = _folder.Open(Options(segmentBytes: 1 << 20, maxBytes: 8 << 20, commitMaxBytes: 64 << 10));
        var tooLarge = journal.Append(new byte[IngestJournal.MaxRecordBytes + 1]);
        Assert.Equal(JournalAppendOutcome.TooLarge, tooLarge.Outcome);
        Assert.False(await tooLarge.WaitDurableAsync());
        Assert.Equal(1, _folder.Metrics.AppendsRefused.WithLabels("too_large").Value);
        Assert.Equal(1, await AppendDurableAsync(journal, new byte[IngestJournal.MaxRecordBytes]));
    }

    [Fact]
    public async Task A_consumer_whose_cursor_is_ahead_of_the_journal_still_gets_the_new_records()
    {
        await using var journal = _folder.Open();
        using var alerts = journal.OpenReader("alerts", after: 5000, mayDropOldest: false);
        Assert.Equal(5001, await AppendDurableAsync(journal, Data(5001)));
        Assert.Equal("record-5001", Text((await ReadThroughAsync(alerts, 5001)).Single()));
    }

    [Fact]
    public async Task Lag_counts_records_and_the_age_of_the_oldest_unfinished_one()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-03-01T08:00:00Z"));
        await using var journal = _folder.Open(time: time);
        using var shipper = journal.OpenReader("shipper", 0, mayDropOldest: true);
        await AppendDurableAsync(journal, Data(1));
        time.Advance(TimeSpan.FromSeconds(3));
        await AppendDurableAsync(journal, Data(2));
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(2, shipper.Lag);
        var records = await ReadThroughAsync(shipper, 2);
        Assert.Equal(time.GetUtcNow().AddSeconds(-8), records[0].AppendedAt);
        Assert.Equal(TimeSpan.FromSeconds(8), shipper.LagTime);
        shipper.Advance(1);
        Assert.Equal(1, shipper.Lag);
        Assert.Equal(TimeSpan.FromSeconds(5), shipper.LagTime);
        Assert.Equal(1, _folder.Metrics.ConsumerLagRecords.WithLabels("shipper").Value);
        Assert.Equal(5, _folder.Metrics.ConsumerLagSeconds.WithLabels("shipper").Value);
        shipper.Advance(2);
        Assert.Equal(0, shipper.Lag);
        Assert.Equal(TimeSpan.Zero, shipper.LagTime);
        Assert.Throws<ArgumentOutOfRangeException>(() => shipper.Advance(3));
    }

    [Fact]
    public void The_options_are_checked_with_messages_that_name_the_key()
    {
        var result = new JournalOptionsValidator().Validate(null, new JournalOptions { SegmentBytes = 64L << 20, MaxBytes = 128L << 20 });
        Assert.True(result.Failed);
        Assert.Contains("Journal:MaxBytes", result.FailureMessage);
        Assert.True(new JournalOptionsValidator().Validate(null, new JournalOptions()).Succeeded);
    }
}
