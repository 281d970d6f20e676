using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;
using RedProperty.Iot.Hub.Configuration;
using RedProperty.Iot.Hub.Metrics;
using RedProperty.Iot.Hub.TimeSeries;
using RedProperty.Iot.Hub.TimeSeries.Sinks;
using RedProperty.Iot.Hub.TimeSeries.Spool;

namespace RedProperty.Iot.Hub.Tests.Unit;

/// <summary>The writer's decisions with a substitute sink (the real servers are in the integration tests).</summary>
public sealed class TimeSeriesWriterTests : IAsyncDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("rp-writer-").FullName;
    private readonly ITimeSeriesSink _sink = Substitute.For<ITimeSeriesSink>();
    private readonly List<string> _written = [];
    private readonly DiskSpool _spool;
    private readonly TimeSeriesWriter _writer;

    public TimeSeriesWriterTests()
    {
        _sink.Description.Returns("substitute");
        _spool = new DiskSpool(Path.Combine(_dataDir, "spool"), 1 << 20, 1 << 16, NullLogger<DiskSpool>.Instance);
        _writer = new TimeSeriesWriter(
            Options.Create(new InfluxOptions { Version = "1", Url = "http://unused", Database = "rp" }),
            _spool,
            new DeadLetterFile(Path.Combine(_dataDir, "dead-letter.lp"), TimeProvider.System),
            new HubMetrics(),
            TimeProvider.System,
            NullLogger<TimeSeriesWriter>.Instance,
            _sink);
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.StopAsync(CancellationToken.None);
        _writer.Dispose();
        _spool.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    private async Task<bool> WriteAsync(string line)
    {
        var durable = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _writer.EnqueueAsync(new PendingPoint(line, TimeProvider.System.GetTimestamp(), durable), CancellationToken.None);
        return await durable.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Bad_points_are_isolated_and_set_aside_while_the_good_ones_of_the_batch_are_written()
    {
        _sink.WriteAsync(Arg.Any<IReadOnlyList<string>>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var lines = call.Arg<IReadOnlyList<string>>();
            if (lines.Any(l => l.Contains("bad", StringComparison.Ordinal)))
            {
                return new SinkWriteResult(SinkWriteOutcome.Rejected, "400 field type conflict");
            }

            lock (_written)
            {
                _written.AddRange(lines);
            }

            return SinkWriteResult.Written;
        });
        var points = Enumerable.Range(0, 9).Select(i => i is 2 or 6 ? $"m bad={i}" : $"m good={i}").ToArray();
        var durable = new List<Task<bool>>();
        foreach (var point in points)
        {
            var tcs = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            await _writer.EnqueueAsync(new PendingPoint(point, 0, tcs), CancellationToken.None);
            durable.Add(tcs.Task);
        }

        await _writer.StartAsync(CancellationToken.None);
        Assert.All(await Task.WhenAll(durable).WaitAsync(TimeSpan.FromSeconds(10)), Assert.True);

        Assert.Equal(points.Where(p => p.Contains("good", StringComparison.Ordinal)), _written.Order());
        var deadLetters = await File.ReadAllTextAsync(Path.Combine(_dataDir, "dead-letter.lp"));
        Assert.Contains("m bad=2", deadLetters, StringComparison.Ordinal);
        Assert.Contains("m bad=6", deadLetters, StringComparison.Ordinal);
        Assert.True(_spool.IsEmpty);
    }

    [Fact]
    public async Task While_influx_is_unavailable_points_are_acknowledged_from_the_spool_and_replayed_in_order_later()
    {
        var available = false;
        _sink.PingAsync(Arg.Any<CancellationToken>()).Returns(_ => Task.FromResult(available));
        _sink.WriteAsync(Arg.Any<IReadOnlyList<string>>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            if (!available)
            {
                return new SinkWriteResult(SinkWriteOutcome.Unavailable, "connection refused");
            }

            lock (_written)
            {
                _written.AddRange(call.Arg<IReadOnlyList<string>>());
            }

            return SinkWriteResult.Written;
        });
        await _writer.StartAsync(CancellationToken.None);

        for (var i = 0; i < 5; i++)
        {
            Assert.True(await WriteAsync($"m v={i}"));
        }

        Assert.Equal(5, _spool.PendingPoints);
        Assert.False(_writer.SinkAvailable);
        Assert.Empty(_written);

        available = true;
        await Infrastructure.Eventually.BecomesAsync(() => Task.FromResult(_spool.PendingPoints), p => p == 0, TimeSpan.FromSeconds(15), what: "spool replayed");
        Assert.True(await WriteAsync("m v=5"));
        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"m v={i}"), _written);
        Assert.True(_writer.SinkAvailable);
    }

    [Fact]
    public async Task Points_still_queued_at_shutdown_go_to_the_spool()
    {
        var blocked = new TaskCompletionSource<SinkWriteResult>();
        _sink.WriteAsync(Arg.Any<IReadOnlyList<string>>(), Arg.Any<CancellationToken>()).Returns(_ => blocked.Task);
        await _writer.StartAsync(CancellationToken.None);
        var first = WriteAsync("m v=0");
        await Task.Delay(200);
        var queued = WriteAsync("m v=1");

        var stopping = _writer.StopAsync(CancellationToken.None);
        blocked.SetResult(new SinkWriteResult(SinkWriteOutcome.Unavailable, "gone"));
        await stopping;

        Assert.True(await first);
        Assert.True(await queued);
        Assert.Equal(2, _spool.PendingPoints);
    }
}
