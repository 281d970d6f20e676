using Microsoft.Extensions.Diagnostics.HealthChecks;
using RedProperty.Iot.Hub.Journal;
using RedProperty.Iot.Hub.Operations;
using RedProperty.Iot.Hub.Tests.Infrastructure;
using static RedProperty.Iot.Hub.Tests.Unit.Journal.JournalFolder;

namespace RedProperty.Iot.Hub.Tests.Unit.Journal;

/// <summary>The journal on a 256 KiB tmpfs, filled up: appends are refused without an exception, and taken again once there is room.</summary>
public sealed class JournalDiskFailureTests : IDisposable
{
    private readonly SmallDisk _disk = new("256k");

    public void Dispose() => _disk.Dispose();

    [Fact]
    public async Task A_full_disk_refuses_appends_and_the_journal_recovers_without_a_reopen_when_space_comes_back()
    {
        var folder = new JournalFolder(Path.Combine(_disk.Path, "journal"));
        Directory.CreateDirectory(folder.Path);
        await using var journal = folder.Open(Options(segmentBytes: 16 << 10, maxBytes: 64 << 20));
        using var alerts = journal.OpenReader("alerts", 0, mayDropOldest: false);
        var durable = new List<long>();
        for (var i = 1; i <= 20; i++)
        {
            durable.Add(await AppendDurableAsync(journal, Data(i, 1000)));
        }

        _disk.Fill();

        // Append until the disk says no: either at once (Unavailable) or when the group's write fails (false).
        var failed = new List<long>();
        JournalTicket last = default;
        for (var i = 21; i <= 500 && failed.Count == 0 && last.Outcome != JournalAppendOutcome.Unavailable; i++)
        {
            last = journal.Append(Data(i, 1000));
            if (last.Outcome == JournalAppendOutcome.Appended)
            {
                var kept = await last.WaitDurableAsync();
                (kept ? durable : failed).Add(last.Sequence);
                // The PUBACK's wait (released on the commit thread) learns the same, also when the group failed.
                Assert.Equal(kept, await last.WaitAcknowledgeableAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
            }
        }

        Assert.True(failed.Count > 0 || last.Outcome == JournalAppendOutcome.Unavailable, "the full disk never showed");
        Assert.Equal(JournalState.Unavailable, journal.State);
        Assert.Contains("space", journal.Problem, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(JournalAppendOutcome.Unavailable, journal.Append(Data(0, 1000)).Outcome);
        Assert.True(folder.Metrics.AppendsRefused.WithLabels("unavailable").Value >= 1);
        Assert.Equal(HealthStatus.Degraded, (await new JournalHealthCheck(journal).CheckHealthAsync(new HealthCheckContext())).Status);
        await Task.Delay(1500); // a retry or two while the disk is still full must not bring it back
        Assert.Equal(JournalState.Unavailable, journal.State);

        _disk.Free();
        var again = await Eventually.BecomesAsync(
            async () =>
            {
                var ticket = journal.Append(Data(1000, 1000));
                return ticket.Outcome == JournalAppendOutcome.Appended && await ticket.WaitDurableAsync() ? ticket.Sequence : 0;
            },
            sequence => sequence > 0,
            TimeSpan.FromSeconds(10),
            "an append after the disk had room again");
        durable.Add(again);
        Assert.Equal(JournalState.Ready, journal.State);
        Assert.Null(journal.Problem);

        // The reader gets every durable record in order and none whose group failed.
        var records = await ReadThroughAsync(alerts, again);
        Assert.Equal(durable, records.Select(r => r.Sequence));
        Assert.DoesNotContain(records, r => failed.Contains(r.Sequence));
        Assert.True(failed.Count == 0 || again > failed.Max(), "numbers are not given twice");
    }
}
