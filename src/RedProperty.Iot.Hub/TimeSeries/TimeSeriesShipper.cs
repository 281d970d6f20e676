using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Configuration;
using RedProperty.Iot.Hub.Journal;
using RedProperty.Iot.Hub.Metrics;
using RedProperty.Iot.Hub.Storage;
using RedProperty.Iot.Hub.TimeSeries.Sinks;

namespace RedProperty.Iot.Hub.TimeSeries;

/// <summary>
/// The ingest journal's time-series consumer: reads points in journal order, writes them to InfluxDB in
/// batches and moves its cursor (in <c>hub.db</c>) once InfluxDB has them; while InfluxDB is down it waits
/// and retries, the journal keeping the points. A batch InfluxDB refuses as bad data is split until the
/// bad points are isolated, so they neither block the journal nor take good points down with them.
/// </summary>
public sealed partial class TimeSeriesShipper : BackgroundService
{
    public const string Consumer = "influx";

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    // Shipping a point twice after a crash is harmless (same series and time), so the cursor is stored now and then, not per batch.
    private static readonly TimeSpan CursorEvery = TimeSpan.FromSeconds(1);

    private readonly IngestJournal _journal;
    private readonly ConsumerCursorStore _cursors;
    private readonly ITimeSeriesSink? _sink;
    private readonly InfluxOptions _options;
    private readonly HubMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<TimeSeriesShipper> _logger;
    private readonly DeadLetterFile _deadLetters;
    private volatile bool _sinkAvailable = true;
    private volatile string? _lastSinkProblem;
    private JournalReader? _reader;

    public TimeSeriesShipper(
        IOptions<InfluxOptions> options,
        IngestJournal journal,
        ConsumerCursorStore cursors,
        DeadLetterFile deadLetters,
        HubMetrics metrics,
        TimeProvider time,
        ILogger<TimeSeriesShipper> logger,
        ITimeSeriesSink? sink = null)
    {
        _options = options.Value;
        _journal = journal;
        _journal.ExpectReader(Consumer);
        _cursors = cursors;
        _sink = sink;
        _deadLetters = deadLetters;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>True when InfluxDB took the last write (or none is configured).</summary>
    public bool SinkAvailable => _sink is null || _sinkAvailable;

    public string? LastSinkProblem => _lastSinkProblem;

    public string SinkDescription => _sink?.Description ?? "none (points stay in the journal until it is full)";

    public bool HasSink => _sink is not null;

    /// <summary>Journal records not yet in InfluxDB, and how old the oldest of them is.</summary>
    public (long Records, TimeSpan Age) Lag => _reader is { } reader ? (reader.Lag, reader.LagTime) : (_journal.DurableSequence, TimeSpan.Zero);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var after = await _cursors.LoadAsync(Consumer, cancellationToken).ConfigureAwait(false) ?? 0;
        // Without InfluxDB the points are kept until the journal is full, then the oldest go (counted).
        _reader = _journal.OpenReader(Consumer, after, mayDropOldest: true);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        _reader?.Dispose();
        _reader = null;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_sink is null)
        {
            return;
        }

        var reader = _reader!;
        var records = new List<JournalRecord>(_options.BatchSize);
        var lines = new LineBatch(_options.BatchSize * 256);
        var stored = reader.Position;
        var storedAt = _time.GetTimestamp();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                records.Clear();
                lines.Clear();
                if (!await ReadAsync(reader, records, _options.BatchSize, reader.Position > stored, stoppingToken).ConfigureAwait(false))
                {
                    // Nothing new for a while: store how far it got, so a restart does not ship it again.
                    await StoreCursorAsync(reader.Position, stoppingToken).ConfigureAwait(false);
                    stored = reader.Position;
                    storedAt = _time.GetTimestamp();
                    continue;
                }

                CollectLines(records, lines);
                if (_options.BatchDelayMs > 0 && records.Count < _options.BatchSize)
                {
                    records.Clear();
                    // Wall-clock time: how long to gather a batch is about the disk and the network, not the hub's clock
                    // (which a replay or a test may hold still).
                    await Task.Delay(TimeSpan.FromMilliseconds(_options.BatchDelayMs), stoppingToken).ConfigureAwait(false);
                    if (reader.ReadPosition < _journal.DurableSequence)
                    {
                        await reader.ReadAsync(records, _options.BatchSize - lines.Count, stoppingToken).ConfigureAwait(false);
                        CollectLines(records, lines);
                    }
                }

                var through = reader.ReadPosition;
                await ShipAsync(lines, stoppingToken).ConfigureAwait(false);
                // Shipped: the journal may let these records go. The cursor is stored now and then only, since
                // shipping a point twice after a crash is harmless (same series and time).
                reader.Advance(through);
                if (_time.GetElapsedTime(storedAt) >= CursorEvery)
                {
                    await StoreCursorAsync(through, stoppingToken).ConfigureAwait(false);
                    stored = through;
                    storedAt = _time.GetTimestamp();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (reader.Position > stored)
            {
                await StoreCursorAsync(reader.Position, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Reads the next records; false when <paramref name="giveUpAfterAWhile"/> and none came within <see cref="CursorEvery"/>.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<bool> ReadAsync(JournalReader reader, List<JournalRecord> records, int max, bool giveUpAfterAWhile, CancellationToken stoppingToken)
    {
        if (!giveUpAfterAWhile)
        {
            await reader.ReadAsync(records, max, stoppingToken).ConfigureAwait(false);
            return true;
        }

        return await reader.TryReadWithinAsync(records, max, CursorEvery, stoppingToken).ConfigureAwait(false);
    }

    private void CollectLines(List<JournalRecord> records, LineBatch lines)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var record in records)
        {
            if (IngestRecord.TryRead(record.Data.Span, out var entry) && !entry.Line.IsEmpty)
            {
                lines.Add(entry.Line);
                _metrics.ShipLatency.Observe(Math.Max(0, now - entry.ReceivedAtMs) / 1000.0);
            }
        }
    }

    /// <summary>Writes the lines, waiting and retrying while InfluxDB is unavailable; returns once it has them (or at stop).</summary>
    private async Task ShipAsync(LineBatch lines, CancellationToken stoppingToken)
    {
        if (lines.Count == 0)
        {
            return;
        }

        _metrics.BatchSize.Observe(lines.Count);
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            if (!_sinkAvailable && !await _sink!.PingAsync(stoppingToken).ConfigureAwait(false))
            {
                await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
                continue;
            }

            var result = await WriteIsolatingBadPointsAsync(lines, stoppingToken).ConfigureAwait(false);
            if (result.Outcome == SinkWriteOutcome.Written)
            {
                if (!_sinkAvailable)
                {
                    _sinkAvailable = true;
                    _metrics.InfluxUp.Set(1);
                    LogSinkBack(_logger, _sink!.Description, _reader!.Lag);
                }

                return;
            }

            MarkUnavailable(result.Detail);
            await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }

    private async Task StoreCursorAsync(long through, CancellationToken cancellationToken)
    {
        try
        {
            await _cursors.SaveAsync(new ConsumerCursor(Consumer, through), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The journal keeps the records; they are shipped again after a restart at worst.
            LogCursorFailed(_logger, ex);
        }
    }

    /// <summary>
    /// Writes a batch; when InfluxDB refuses it as bad data, halves it until every bad point stands
    /// alone, writes the good ones and sets the bad ones aside in the dead-letter file.
    /// Rewriting points InfluxDB already took (1.x partial writes) is harmless: same series and time.
    /// </summary>
    private async Task<SinkWriteResult> WriteIsolatingBadPointsAsync(LineBatch lines, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await _sink!.WriteAsync(lines, cancellationToken).ConfigureAwait(false);
        _metrics.WriteLatency.WithLabels(result.Outcome.ToString().ToLowerInvariant()).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        switch (result.Outcome)
        {
            case SinkWriteOutcome.Written:
                _metrics.PointsWritten.Inc(lines.Count);
                _metrics.InfluxUp.Set(1);
                return result;
            case SinkWriteOutcome.Unavailable:
                return result;
        }

        if (lines.Count == 1)
        {
            var line = lines[0];
            LogPointRejected(_logger, result.Detail, line);
            _deadLetters.Add(line, result.Detail);
            _metrics.PointsDropped.WithLabels("rejected_by_influx").Inc();
            return SinkWriteResult.Written;
        }

        var half = lines.Count / 2;
        var first = await WriteIsolatingBadPointsAsync(lines.Slice(0, half), cancellationToken).ConfigureAwait(false);
        if (first.Outcome != SinkWriteOutcome.Written)
        {
            return first;
        }

        return await WriteIsolatingBadPointsAsync(lines.Slice(half, lines.Count - half), cancellationToken).ConfigureAwait(false);
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
}
