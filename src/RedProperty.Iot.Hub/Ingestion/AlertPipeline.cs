using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using RedProperty.Iot.Domain.Alerts.Rules;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Devices;
using RedProperty.Iot.Hub.Journal;
using RedProperty.Iot.Hub.Storage;

namespace RedProperty.Iot.Hub.Ingestion;

/// <summary>
/// The ingest journal's alert consumer: judges each record with the rules, in journal order and as of
/// when the hub received it, and hands the signals to the alert service, which stores them together with
/// this consumer's cursor in one transaction. So after a crash every acknowledged message is judged, and
/// none twice. At start it first judges what the journal holds beyond its cursor, before devices are let
/// in (the broker starts after it).
/// </summary>
public sealed partial class AlertPipeline : BackgroundService
{
    public const string Consumer = "alerts";

    private const int BatchRecords = 512;

    // A cursor with nothing else to store is written at most this often (or every this many records).
    private static readonly TimeSpan CursorEvery = TimeSpan.FromSeconds(1);
    private const long CursorEveryRecords = 8192;
    private static readonly TimeSpan QuietBeforeStoring = TimeSpan.FromMilliseconds(200);

    private readonly IngestJournal _journal;
    private readonly ConsumerCursorStore _cursors;
    private readonly DeviceStates _devices;
    private readonly AlertRuleEngine _rules;
    private readonly AlertService _alerts;
    private readonly DeviceWatch _watch;
    private readonly TimeProvider _time;
    private readonly ILogger<AlertPipeline> _logger;
    private readonly List<JournalRecord> _records = new(BatchRecords);
    private readonly Dictionary<string, long> _marks = new(StringComparer.Ordinal);
    private readonly List<JudgedSignal> _judged = [];
    private JournalReader? _reader;
    private long _stored;
    private long _pending;
    private DateTimeOffset _storedAt;

    public AlertPipeline(
        IngestJournal journal,
        ConsumerCursorStore cursors,
        DeviceStates devices,
        AlertRuleEngine rules,
        AlertService alerts,
        DeviceWatch watch,
        TimeProvider time,
        ILogger<AlertPipeline> logger)
    {
        _journal = journal;
        _cursors = cursors;
        _devices = devices;
        _rules = rules;
        _alerts = alerts;
        _watch = watch;
        _time = time;
        _logger = logger;

        // Before anything starts (the host makes every hosted service first): the shipper, started earlier,
        // must not let the journal drop records this pipeline has not judged yet.
        journal.ExpectReader(Consumer);
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await _watch.Restored.WaitAsync(cancellationToken).ConfigureAwait(false);
        _stored = await _cursors.LoadAsync(Consumer, cancellationToken).ConfigureAwait(false) ?? 0;
        foreach (var (userName, seq) in await _cursors.LoadMarksAsync(Consumer, cancellationToken).ConfigureAwait(false))
        {
            if (_devices.TryGet(Encoding.UTF8.GetBytes(userName), out var state))
            {
                state.RestoreJudgedSeq(seq);
            }
        }

        _storedAt = _time.GetUtcNow();
        _reader = _journal.OpenReader(Consumer, _stored, mayDropOldest: false);
        var target = _journal.DurableSequence;
        if (target > _stored)
        {
            LogReplaying(_logger, target - _stored, _stored);
            while (_reader.ReadPosition < target)
            {
                await JudgeNextAsync(cancellationToken).ConfigureAwait(false);
            }

            await StoreCursorAsync(cancellationToken).ConfigureAwait(false);
            LogReplayed(_logger, target);
        }

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
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await JudgeNextAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await StoreCursorAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask JudgeNextAsync(CancellationToken cancellationToken)
    {
        _records.Clear();
        if (!await ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            await StoreCursorAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        if (_records.Count == 0)
        {
            return;
        }

        _judged.Clear();
        foreach (var record in _records)
        {
            Judge(record);
        }

        var last = _records[^1].Sequence;
        // Stored with any alert change, now and then, and when the journal fills (only a stored cursor lets the
        // journal reuse space); a quiet spell stores it too (see ReadAsync).
        if (_judged.Count > 0 || last - _stored >= CursorEveryRecords || _time.GetUtcNow() - _storedAt >= CursorEvery
            || _journal.Bytes > _journal.MaxBytes / 2)
        {
            await StoreAsync(_judged, last, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _pending = last;
        }
    }

    /// <summary>Reads the next records; false when judged records wait to be stored and nothing came for a moment.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        if (_pending <= _stored)
        {
            await _reader!.ReadAsync(_records, BatchRecords, cancellationToken).ConfigureAwait(false);
            return true;
        }

        return await _reader!.TryReadWithinAsync(_records, BatchRecords, QuietBeforeStoring, cancellationToken).ConfigureAwait(false);
    }

    private Task StoreCursorAsync(CancellationToken cancellationToken) =>
        _pending > _stored ? StoreAsync([], _pending, cancellationToken) : Task.CompletedTask;

    /// <summary>Stores the signals with the cursor; retried until it works (the rules have judged these records already).</summary>
    private async Task StoreAsync(IReadOnlyList<JudgedSignal> judged, long through, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await _alerts.ApplyJudgedAsync(judged, new ConsumerCursor(Consumer, through, _marks.Count > 0 ? [.. _marks] : null), cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogStoreFailed(_logger, ex, through);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }

        _marks.Clear();
        _stored = through;
        _pending = through;
        _storedAt = _time.GetUtcNow();
        _reader!.Advance(through);
    }

    private void Judge(JournalRecord record)
    {
        if (!IngestRecord.TryRead(record.Data.Span, out var entry) || entry.Kind != IngestRecordKind.DeviceMessage)
        {
            return;
        }

        // A device removed from the registry since: nothing to judge it by.
        if (!_devices.TryGet(entry.UserName, out var state))
        {
            return;
        }

        var at = entry.ReceivedAt;
        var payload = new ReadOnlySequence<byte>(record.Data[^entry.Payload.Length..]);
        IReadOnlyList<AlertSignal> signals;
        switch (entry.Channel)
        {
            case DeviceChannel.Telemetry when PayloadDecoder.DecodeTelemetry(state.Device.Kind, payload).Value is { } telemetry:
                signals = ShouldJudge(state, telemetry.Seq, entry.Duplicate) ? _rules.OnTelemetry(state.Rules, telemetry, at) : [];
                break;
            case DeviceChannel.Event when PayloadDecoder.DecodeEvent(payload).Value is { } deviceEvent:
                signals = ShouldJudge(state, deviceEvent.Seq, entry.Duplicate) ? _rules.OnEvent(state.Rules, deviceEvent, at) : [];
                break;
            case DeviceChannel.Status when PayloadDecoder.TryDecodeStatus(payload, out var status, out _):
                signals = _rules.OnStatus(state.Rules, status, at);
                break;
            default:
                return;
        }

        foreach (var signal in signals)
        {
            _judged.Add(new JudgedSignal(signal, at));
        }
    }

    /// <summary>The device's DUP guard; a judged seq becomes a mark, stored with the cursor so a crash does not forget it.</summary>
    private bool ShouldJudge(DeviceState state, long? seq, bool duplicate)
    {
        if (!state.ShouldJudge(seq, duplicate))
        {
            return false;
        }

        if (seq is { } judged)
        {
            _marks[state.Device.UserName] = judged;
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Judging {Records} journal record(s) after {Cursor} before letting devices in")]
    private static partial void LogReplaying(ILogger logger, long records, long cursor);

    [LoggerMessage(Level = LogLevel.Information, Message = "Journal judged through {Sequence}")]
    private static partial void LogReplayed(ILogger logger, long sequence);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing the alerts judged through journal record {Sequence} failed; retrying")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, long sequence);
}
