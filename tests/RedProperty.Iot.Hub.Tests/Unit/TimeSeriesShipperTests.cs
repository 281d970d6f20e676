using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Hub.Configuration;
using RedProperty.Iot.Hub.Journal;
using RedProperty.Iot.Hub.Metrics;
using RedProperty.Iot.Hub.Storage;
using RedProperty.Iot.Hub.TimeSeries;
using RedProperty.Iot.Hub.TimeSeries.Sinks;

namespace RedProperty.Iot.Hub.Tests.Unit;

/// <summary>The shipper's decisions with a substitute sink, over a real journal and database (the real InfluxDB is in the integration tests).</summary>
public sealed class TimeSeriesShipperTests : IAsyncDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("rp-shipper-").FullName;
    private readonly ITimeSeriesSink _sink = Substitute.For<ITimeSeriesSink>();
    private readonly List<string> _written = [];
    private readonly HubMetrics _metrics = new();
    private readonly IngestJournal _journal;
    private readonly HubDatabase _database;
    private readonly ConsumerCursorStore _cursors;
    private TimeSeriesShipper? _shipper;

    public TimeSeriesShipperTests()
    {
        _sink.Description.Returns("substitute");
        _journal = IngestJournal.Open(new JournalOptions(), Path.Combine(_dataDir, "journal"), TimeProvider.System, new JournalMetrics(_metrics), NullLogger<IngestJournal>.Instance);
        _database = HubDatabase.Open(Path.Combine(_dataDir, "hub.db"), NullLogger.Instance);
        _cursors = new ConsumerCursorStore(_database);
    }

    public async ValueTask DisposeAsync()
    {
        if (_shipper is not null)
        {
            await _shipper.StopAsync(CancellationToken.None);
            _shipper.Dispose();
        }

        await _journal.DisposeAsync();
        await _database.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    private async Task StartAsync()
    {
        _shipper = new TimeSeriesShipper(
            Options.Create(new InfluxOptions { Version = "1", Url = "http://unused", Database = "rp" }),
            _journal,
            _cursors,
            new DeadLetterFile(Path.Combine(_dataDir, "dead-letter.lp"), TimeProvider.System),
            _metrics,
            TimeProvider.System,
            NullLogger<TimeSeriesShipper>.Instance,
            _sink);
        await _shipper.StartAsync(CancellationToken.None);
    }

    private async Task AppendAsync(string line)
    {
        var ticket = _journal.Append(IngestRecord.DeviceMessage(1, false, DeviceChannel.Telemetry, "testsite/light-1", line, new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("{}"))));
        Assert.Equal(JournalAppendOutcome.Appended, ticket.Outcome);
        Assert.True(await ticket.WaitDurableAsync());
    }

    private void CollectWrites(Func<IReadOnlyList<string>, SinkWriteResult> answer) =>
        _sink.WriteAsync(Arg.Any<LineBatch>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var lines = call.Arg<LineBatch>().ToStrings();
            var result = answer(lines);
            if (result.Outcome == SinkWriteOutcome.Written)
            {
                lock (_written)
                {
                    _written.AddRange(lines);
                }
            }

            return result;
        });

    [Fact]
    public async Task Bad_points_are_isolated_and_set_aside_while_the_good_ones_of_the_batch_are_written()
    {
        CollectWrites(lines => lines.Any(l => l.Contains("bad", StringComparison.Ordinal)) ? new SinkWriteResult(SinkWriteOutcome.Rejected, "400 field type conflict") : SinkWriteResult.Written);
        var points = Enumerable.Range(0, 9).Select(i => i is 2 or 6 ? $"m bad={i}" : $"m good={i}").ToArray();
        foreach (var point in points)
        {
            await AppendAsync(point);
        }

        await StartAsync();
        await Infrastructure.Eventually.BecomesAsync(() => Task.FromResult(_shipper!.Lag.Records), lag => lag == 0, TimeSpan.FromSeconds(10), "journal shipped");

        Assert.Equal(points.Where(p => p.Contains("good", StringComparison.Ordinal)), _written.Order());
        var deadLetters = await File.ReadAllTextAsync(Path.Combine(_dataDir, "dead-letter.lp"));
        Assert.Contains("m bad=2", deadLetters, StringComparison.Ordinal);
        Assert.Contains("m bad=6", deadLetters, StringComparison.Ordinal);
    }

    [Fact]
    public async Task While_influx_is_unavailable_points_wait_in_the_journal_and_are_shipped_in_order_later()
    {
        var available = false;
        _sink.PingAsync(Arg.Any<CancellationToken>()).Returns(_ => Task.FromResult(available));
        CollectWrites(_ => available ? SinkWriteResult.Written : new SinkWriteResult(SinkWriteOutcome.Unavailable, "connection refused"));
        await StartAsync();

        for (var i = 0; i < 5; i++)
        {
            await AppendAsync($"m v={i}");
        }

        await Infrastructure.Eventually.BecomesAsync(() => Task.FromResult(_shipper!.SinkAvailable), up => !up, TimeSpan.FromSeconds(10), "InfluxDB seen down");
        Assert.Equal(5, _shipper!.Lag.Records);
        Assert.Empty(_written);

        available = true;
        await Infrastructure.Eventually.BecomesAsync(() => Task.FromResult(_shipper.Lag.Records), lag => lag == 0, TimeSpan.FromSeconds(15), "journal shipped");
        await AppendAsync("m v=5");
        await Infrastructure.Eventually.BecomesAsync(() => Task.FromResult(_written.Count), n => n == 6, TimeSpan.FromSeconds(10), "the sixth point");
        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"m v={i}"), _written);
        Assert.True(_shipper.SinkAvailable);
    }

    [Fact]
    public async Task A_restarted_shipper_resumes_after_its_stored_cursor()
    {
        CollectWrites(_ => SinkWriteResult.Written);
        await StartAsync();
        for (var i = 0; i < 3; i++)
        {
            await AppendAsync($"m v={i}");
        }

        await Infrastructure.Eventually.BecomesAsync(() => Task.FromResult(_written.Count), n => n == 3, TimeSpan.FromSeconds(10), "the first points");
        await _shipper!.StopAsync(CancellationToken.None);
        _shipper.Dispose();
        Assert.Equal(3, await _cursors.LoadAsync(TimeSeriesShipper.Consumer));

        await AppendAsync("m v=3");
        await StartAsync();
        await Infrastructure.Eventually.BecomesAsync(() => Task.FromResult(_written.Count), n => n >= 4, TimeSpan.FromSeconds(10), "the point appended while it was stopped");
        Assert.Equal(Enumerable.Range(0, 4).Select(i => $"m v={i}"), _written);
    }
}
