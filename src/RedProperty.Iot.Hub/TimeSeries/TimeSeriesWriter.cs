using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Configuration;
using RedProperty.Iot.Hub.Metrics;
using RedProperty.Iot.Hub.TimeSeries.Sinks;
using RedProperty.Iot.Hub.TimeSeries.Spool;

namespace RedProperty.Iot.Hub.TimeSeries;

/// <summary>
/// Batches points (group commit), writes them to InfluxDB and, when it cannot, to the on-disk spool,
/// which a second loop replays in order once InfluxDB is back — also after a restart. A batch InfluxDB
/// refuses as bad data is split until the bad points are isolated, so they neither block the queue
/// nor take good points down with them.
/// </summary>
public sealed partial class TimeSeriesWriter : BackgroundService
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly Channel<PendingPoint> _queue;
    private readonly ITimeSeriesSink? _sink;
    private readonly DiskSpool _spool;
    private readonly InfluxOptions _options;
    private readonly HubMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<TimeSeriesWriter> _logger;
    private readonly DeadLetterFile _deadLetters;
    private readonly SemaphoreSlim _spoolSignal = new(0);
    private volatile bool _sinkAvailable = true;
    private volatile string? _lastSinkProblem;

    public TimeSeriesWriter(
        IOptions<InfluxOptions> options,
        DiskSpool spool,
        DeadLetterFile deadLetters,
        HubMetrics metrics,
        TimeProvider time,
        ILogger<TimeSeriesWriter> logger,
        ITimeSeriesSink? sink = null)
    {
        _options = options.Value;
        _sink = sink;
        _spool = spool;
        _deadLetters = deadLetters;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _queue = Channel.CreateBounded<PendingPoint>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _spool.PointsDropped += dropped => _metrics.PointsDropped.WithLabels("spool_full").Inc(dropped);
        UpdateSpoolGauges();
    }

    /// <summary>True when InfluxDB took the last write (or none is configured).</summary>
    public bool SinkAvailable => _sink is null || _sinkAvailable;

    public string? LastSinkProblem => _lastSinkProblem;

    public string SinkDescription => _sink?.Description ?? "none (spool only)";

    public bool HasSink => _sink is not null;

    public DiskSpool Spool => _spool;

    public int QueuedPoints => _queue.Reader.Count;

    /// <summary>Queues a point; waits (back-pressure on the device's connection) while the queue is full.</summary>
    public ValueTask EnqueueAsync(PendingPoint point, CancellationToken cancellationToken) =>
        _queue.Writer.WriteAsync(point, cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var replay = _sink is null ? Task.CompletedTask : Task.Run(() => ReplayLoopAsync(stoppingToken), CancellationToken.None);
        var batch = new List<PendingPoint>(_options.BatchSize);
        var lines = new List<string>(_options.BatchSize);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                if (_options.BatchDelayMs > 0 && _queue.Reader.Count < _options.BatchSize)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(_options.BatchDelayMs), _time, stoppingToken).ConfigureAwait(false);
                }

                batch.Clear();
                lines.Clear();
                while (batch.Count < _options.BatchSize && _queue.Reader.TryRead(out var point))
                {
                    batch.Add(point);
                    lines.Add(point.Line);
                }

                _metrics.QueuedPoints.Set(_queue.Reader.Count);
                await WriteBatchAsync(batch, lines).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await DrainOnStopAsync(batch, lines).ConfigureAwait(false);
            await replay.ConfigureAwait(false);
        }
    }

    private async Task WriteBatchAsync(List<PendingPoint> batch, List<string> lines)
    {
        if (batch.Count == 0)
        {
            return;
        }

        _metrics.BatchSize.Observe(batch.Count);
        var durable = false;
        try
        {
            // Points go straight to InfluxDB only while nothing older waits in the spool, so order is kept.
            if (_sink is not null && _sinkAvailable && _spool.IsEmpty)
            {
                // Not cancelled on shutdown: the write is bounded by Influx:TimeoutMs and its points must land somewhere.
                var result = await WriteIsolatingBadPointsAsync(lines, "direct", CancellationToken.None).ConfigureAwait(false);
                durable = result.Outcome == SinkWriteOutcome.Written;
                if (!durable)
                {
                    MarkUnavailable(result.Detail);
                }
            }

            if (!durable)
            {
                durable = AppendToSpool(lines);
            }
        }
        finally
        {
            Complete(batch, durable);
        }
    }

    private bool AppendToSpool(List<string> lines)
    {
        try
        {
            _spool.Append(lines);
            _metrics.PointsSpooled.Inc(lines.Count);
            UpdateSpoolGauges();
            _spoolSignal.Release();
            return true;
        }
        catch (IOException ex)
        {
            LogSpoolAppendFailed(_logger, ex, lines.Count);
            return false;
        }
        catch (UnauthorizedAccessException ex)
        {
            LogSpoolAppendFailed(_logger, ex, lines.Count);
            return false;
        }
    }

    private void Complete(List<PendingPoint> batch, bool durable)
    {
        var now = _time.GetTimestamp();
        foreach (var point in batch)
        {
            point.Durable?.TrySetResult(durable);
            if (durable)
            {
                _metrics.DurableLatency.Observe(_time.GetElapsedTime(point.ReceivedTimestamp, now).TotalSeconds);
            }
        }
    }

    private async Task ReplayLoopAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var batch = _spool.Peek();
                if (batch is null)
                {
                    UpdateSpoolGauges();
                    await _spoolSignal.WaitAsync(TimeSpan.FromSeconds(5), stoppingToken).ConfigureAwait(false);
                    continue;
                }

                if (!_sinkAvailable && !await _sink!.PingAsync(stoppingToken).ConfigureAwait(false))
                {
                    await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
                    continue;
                }

                var result = await WriteIsolatingBadPointsAsync(batch.Lines, "replay", stoppingToken).ConfigureAwait(false);
                if (result.Outcome == SinkWriteOutcome.Written)
                {
                    _spool.Commit(batch);
                    UpdateSpoolGauges();
                    if (!_sinkAvailable)
                    {
                        _sinkAvailable = true;
                        _metrics.InfluxUp.Set(1);
                        LogSinkBack(_logger, _sink!.Description, _spool.PendingPoints);
                    }

                    delay = TimeSpan.FromSeconds(1);
                    continue;
                }

                MarkUnavailable(result.Detail);
                await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogReplayFailed(_logger, ex);
                await Task.Delay(delay, _time, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Writes a batch; when InfluxDB refuses it as bad data, halves it until every bad point stands
    /// alone, writes the good ones and sets the bad ones aside in the dead-letter file.
    /// Rewriting points InfluxDB already took (1.x partial writes) is harmless: same series and time.
    /// </summary>
    private async Task<SinkWriteResult> WriteIsolatingBadPointsAsync(IReadOnlyList<string> lines, string path, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await _sink!.WriteAsync(lines, cancellationToken).ConfigureAwait(false);
        _metrics.WriteLatency.WithLabels(result.Outcome.ToString().ToLowerInvariant()).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        switch (result.Outcome)
        {
            case SinkWriteOutcome.Written:
                _metrics.PointsWritten.WithLabels(path).Inc(lines.Count);
                _metrics.InfluxUp.Set(1);
                return result;
            case SinkWriteOutcome.Unavailable:
                return result;
        }

        if (lines.Count == 1)
        {
            LogPointRejected(_logger, result.Detail, lines[0]);
            _deadLetters.Add(lines[0], result.Detail);
            _metrics.PointsDropped.WithLabels("rejected_by_influx").Inc();
            return SinkWriteResult.Written;
        }

        var half = lines.Count / 2;
        var first = await WriteIsolatingBadPointsAsync(Slice(lines, 0, half), path, cancellationToken).ConfigureAwait(false);
        if (first.Outcome != SinkWriteOutcome.Written)
        {
            return first;
        }

        return await WriteIsolatingBadPointsAsync(Slice(lines, half, lines.Count - half), path, cancellationToken).ConfigureAwait(false);
    }

    private static List<string> Slice(IReadOnlyList<string> lines, int start, int count)
    {
        var slice = new List<string>(count);
        for (var i = start; i < start + count; i++)
        {
            slice.Add(lines[i]);
        }

        return slice;
    }

    private void MarkUnavailable(string? detail)
    {
        _lastSinkProblem = detail;
        _metrics.InfluxUp.Set(0);
        if (_sinkAvailable)
        {
            _sinkAvailable = false;
            LogSinkUnavailable(_logger, _sink!.Description, detail);
        }
    }

    /// <summary>On shutdown whatever is still queued goes to the spool, so a restart replays it.</summary>
    private Task DrainOnStopAsync(List<PendingPoint> batch, List<string> lines)
    {
        batch.Clear();
        lines.Clear();
        while (_queue.Reader.TryRead(out var point))
        {
            batch.Add(point);
            lines.Add(point.Line);
        }

        if (batch.Count > 0)
        {
            Complete(batch, AppendToSpool(lines));
        }

        return Task.CompletedTask;
    }

    private void UpdateSpoolGauges()
    {
        _metrics.SpoolBytes.Set(_spool.Bytes);
        _metrics.SpoolSegments.Set(_spool.Segments);
        _metrics.SpoolPoints.Set(_spool.PendingPoints);
    }
}
