using System.Buffers;
using System.Text;
using RedProperty.Iot.Domain.Alerts.Rules;
using RedProperty.Iot.Domain.TimeSeries;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Devices;
using RedProperty.Iot.Hub.Metrics;
using RedProperty.Iot.Hub.TimeSeries;

namespace RedProperty.Iot.Hub.Ingestion;

public enum IngestOutcome
{
    Accepted,
    Rejected,

    /// <summary>Valid, but it could be put neither in InfluxDB nor in the spool: do not acknowledge it.</summary>
    NotDurable,
}

public readonly record struct IngestResult(IngestOutcome Outcome, Rejection Rejection = default)
{
    public static IngestResult Accepted { get; } = new(IngestOutcome.Accepted);

    public static IngestResult NotDurable { get; } = new(IngestOutcome.NotDurable);
}

/// <summary>
/// Takes one message from an authenticated device: checks the topic is the device's own, decodes
/// and validates it, updates the device's state and queues its point. For messages the device
/// wants acknowledged it returns only once the point is in InfluxDB or durably spooled.
/// </summary>
public sealed partial class DeviceMessageIngestor(
    TimeSeriesWriter writer,
    DeviceStates directory,
    DeviceReadings readings,
    AlertRuleEngine rules,
    AlertService alerts,
    DevicePresence presence,
    HubMetrics metrics,
    TimeProvider time,
    ILogger<DeviceMessageIngestor> logger)
{
    private const int ExcerptBytes = 200;

    public async ValueTask<IngestResult> IngestAsync(
        Device device, string topic, ReadOnlySequence<byte> payload, bool acknowledged, CancellationToken cancellationToken)
    {
        var state = directory.Get(device);
        var receivedAt = time.GetUtcNow();
        var receivedTimestamp = time.GetTimestamp();
        if (!DeviceTopic.TryParse(topic, out var parsed, out var rejection))
        {
            return Reject(state, topic, payload, rejection, receivedAt);
        }

        if (parsed.Site != device.Site || parsed.DeviceId != device.Id || parsed.Kind != device.Kind)
        {
            return Reject(state, topic, payload, new Rejection(RejectionReason.ForeignTopic, $"{device.UserName} may publish only under {device.TopicPrefix}"), receivedAt);
        }

        string line;
        IReadOnlyList<AlertSignal> signals;
        var receivedMs = receivedAt.ToUnixTimeMilliseconds();
        switch (parsed.Channel)
        {
            case DeviceChannel.Telemetry:
            {
                var decoded = PayloadDecoder.DecodeTelemetry(device.Kind, payload);
                if (decoded.Value is not { } telemetry)
                {
                    return Reject(state, topic, payload, decoded.Rejection, receivedAt);
                }

                ChargerCircuit? circuit = null;
                if (telemetry is ChargerTelemetry charger)
                {
                    circuit = charger.Circuit ?? device.Circuit;
                    if (circuit is null)
                    {
                        return Reject(state, topic, payload, new Rejection(RejectionReason.MissingField, "circuit (neither in the payload nor in the registry)"), receivedAt);
                    }
                }

                line = PointMapper.Telemetry(device, telemetry, circuit, Timestamp(state, telemetry.Ts, receivedMs));
                ObserveSequence(state, telemetry.Seq);
                readings.Record(state, telemetry, receivedAt);
                signals = rules.OnTelemetry(state.Rules, telemetry);
                break;
            }

            case DeviceChannel.Event:
            {
                var decoded = PayloadDecoder.DecodeEvent(payload);
                if (decoded.Value is not { } deviceEvent)
                {
                    return Reject(state, topic, payload, decoded.Rejection, receivedAt);
                }

                line = PointMapper.Event(device, deviceEvent, Timestamp(state, deviceEvent.Ts, receivedMs));
                ObserveSequence(state, deviceEvent.Seq);
                signals = rules.OnEvent(state.Rules, deviceEvent);
                break;
            }

            case DeviceChannel.Status:
            {
                if (!PayloadDecoder.TryDecodeStatus(payload, out var status, out var statusRejection))
                {
                    return Reject(state, topic, payload, statusRejection, receivedAt);
                }

                await presence.ReportAsync(state, status, receivedAt, cancellationToken).ConfigureAwait(false);

                signals = rules.OnStatus(state.Rules, status);
                line = PointMapper.Status(device, status, state.NextReceiveTimestamp(receivedMs));
                break;
            }

            default:
                return Reject(state, topic, payload, new Rejection(RejectionReason.CommandFromDevice, "devices may only subscribe to their cmd topic"), receivedAt);
        }

        state.RecordMessage(receivedAt);

        // A device that was silent (or said offline) and now sends telemetry or events is online again.
        if (parsed.Channel != DeviceChannel.Status)
        {
            await presence.ReportAsync(state, DeviceStatus.Online, receivedAt, cancellationToken).ConfigureAwait(false);
        }

        if (signals.Count > 0)
        {
            await alerts.SubmitAsync(signals, cancellationToken).ConfigureAwait(false);
        }

        metrics.MessagesIn.WithLabels(device.Kind.ToWire(), parsed.Channel.ToWire()).Inc();
        if (!acknowledged)
        {
            await writer.EnqueueAsync(new PendingPoint(line, receivedTimestamp, null), cancellationToken).ConfigureAwait(false);
            return IngestResult.Accepted;
        }

        var durable = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await writer.EnqueueAsync(new PendingPoint(line, receivedTimestamp, durable), cancellationToken).ConfigureAwait(false);
        return await durable.Task.WaitAsync(cancellationToken).ConfigureAwait(false) ? IngestResult.Accepted : IngestResult.NotDurable;
    }

    private long Timestamp(DeviceState state, long? deviceTs, long receivedMs)
    {
        var chosen = TimestampPolicy.Choose(deviceTs, receivedMs, out var corrected);
        if (corrected)
        {
            metrics.TimestampsCorrected.Inc();
        }

        return deviceTs is null || corrected ? state.NextReceiveTimestamp(receivedMs) : chosen;
    }

    private void ObserveSequence(DeviceState state, long? seq)
    {
        if (seq is not { } value)
        {
            return;
        }

        switch (state.ObserveSequence(value))
        {
            case SequenceObservation.Gap:
                metrics.SequenceGaps.Inc();
                break;
            case SequenceObservation.Duplicate:
                metrics.SequenceDuplicates.Inc();
                break;
        }
    }

    private IngestResult Reject(DeviceState state, string topic, ReadOnlySequence<byte> payload, Rejection rejection, DateTimeOffset at)
    {
        metrics.Rejections.WithLabels(rejection.Reason.ToWire()).Inc();
        if (state.RecordRejection(new RejectionRecord(at, topic, rejection.Reason, rejection.Detail, Excerpt(payload))))
        {
            LogRejected(logger, state.Device.UserName, topic, rejection.Reason.ToWire(), rejection.Detail);
        }

        return new IngestResult(IngestOutcome.Rejected, rejection);
    }

    private static string Excerpt(ReadOnlySequence<byte> payload)
    {
        var head = payload.Length > ExcerptBytes ? payload.Slice(0, ExcerptBytes) : payload;
        var text = Encoding.UTF8.GetString(head);
        return string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '\uFFFD' : source[i];
            }
        });
    }
}
