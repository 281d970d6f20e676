using System.Buffers;
using System.Text;
using RedProperty.Iot.Domain.TimeSeries;
using RedProperty.Iot.Hub.Devices;
using RedProperty.Iot.Hub.Journal;
using RedProperty.Iot.Hub.Metrics;
using RedProperty.Iot.Hub.TimeSeries;

namespace RedProperty.Iot.Hub.Ingestion;

public enum IngestOutcome
{
    Accepted,
    Rejected,

    /// <summary>Valid, but the journal could not keep it (disk full or failing): do not acknowledge it.</summary>
    NotDurable,
}

/// <summary>What became of a message; <see cref="Ticket"/> is its journal record when it was accepted.</summary>
public readonly record struct IngestResult(IngestOutcome Outcome, Rejection Rejection = default, JournalTicket Ticket = default)
{
    public static IngestResult Accepted { get; } = new(IngestOutcome.Accepted);

    public static IngestResult NotDurable { get; } = new(IngestOutcome.NotDurable);
}

/// <summary>
/// Takes one message from an authenticated device: checks the topic is the device's own, decodes and
/// validates it, updates the device's live state and appends it to the ingest journal. For a message the
/// device wants acknowledged it returns once its record is on disk (fsynced): from there the journal's
/// consumers (the alert pipeline, the time-series shipper) take it, also after a crash.
/// </summary>
public sealed partial class DeviceMessageIngestor(
    IngestJournal journal,
    DeviceStates directory,
    DeviceReadings readings,
    DevicePresence presence,
    HubMetrics metrics,
    TimeProvider time,
    ILogger<DeviceMessageIngestor> logger)
{
    private const int ExcerptBytes = 200;

    public ValueTask<IngestResult> IngestAsync(
        Device device, string topic, ReadOnlySequence<byte> payload, bool acknowledged, CancellationToken cancellationToken) =>
        IngestAsync(directory.Get(device), topic, payload, acknowledged, duplicate: false, deferAcknowledgement: false, cancellationToken);

    /// <param name="duplicate">The device marked the message a redelivery (MQTT DUP): the rules skip it if they judged its seq.</param>
    /// <param name="deferAcknowledgement">
    /// Return once the record is appended: the caller holds the acknowledgement until <see cref="IngestResult.Ticket"/>
    /// says it is durable (the broker's connection does, so a device's next message is taken meanwhile).
    /// </param>
    public async ValueTask<IngestResult> IngestAsync(
        DeviceState state, string topic, ReadOnlySequence<byte> payload, bool acknowledged, bool duplicate, bool deferAcknowledgement, CancellationToken cancellationToken)
    {
        var device = state.Device;
        var receivedAt = time.GetUtcNow();
        // Nearly every message is on the device's own prefix: that is checked without taking the topic apart.
        if (!(topic.StartsWith(device.TopicPrefix, StringComparison.Ordinal) && DeviceChannels.TryParse(topic.AsSpan(device.TopicPrefix.Length), out var channel)))
        {
            if (!DeviceTopic.TryParse(topic, out var parsed, out var rejection))
            {
                return Reject(state, topic, payload, rejection, receivedAt);
            }

            if (parsed.Site != device.Site || parsed.DeviceId != device.Id || parsed.Kind != device.Kind)
            {
                return Reject(state, topic, payload, new Rejection(RejectionReason.ForeignTopic, $"{device.UserName} may publish only under {device.TopicPrefix}"), receivedAt);
            }

            channel = parsed.Channel;
        }

        // The point is finished into the journal record below, without a string of its own.
        LineBuilder point;
        long timestampMs;
        var receivedMs = receivedAt.ToUnixTimeMilliseconds();
        switch (channel)
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

                point = PointMapper.TelemetryPoint(device, telemetry, circuit);
                timestampMs = Timestamp(state, telemetry.Ts, receivedMs);
                ObserveSequence(state, telemetry.Seq);
                readings.Record(state, telemetry, receivedAt);
                break;
            }

            case DeviceChannel.Event:
            {
                var decoded = PayloadDecoder.DecodeEvent(payload);
                if (decoded.Value is not { } deviceEvent)
                {
                    return Reject(state, topic, payload, decoded.Rejection, receivedAt);
                }

                point = PointMapper.EventPoint(device, deviceEvent);
                timestampMs = Timestamp(state, deviceEvent.Ts, receivedMs);
                ObserveSequence(state, deviceEvent.Seq);
                break;
            }

            case DeviceChannel.Status:
            {
                if (!PayloadDecoder.TryDecodeStatus(payload, out var status, out var statusRejection))
                {
                    return Reject(state, topic, payload, statusRejection, receivedAt);
                }

                await presence.ReportAsync(state, status, receivedAt, cancellationToken).ConfigureAwait(false);
                point = PointMapper.StatusPoint(device, status);
                timestampMs = state.NextReceiveTimestamp(receivedMs);
                break;
            }

            default:
                return Reject(state, topic, payload, new Rejection(RejectionReason.CommandFromDevice, "devices may only subscribe to their cmd topic"), receivedAt);
        }

        state.RecordMessage(receivedAt);

        // A device that was silent (or said offline) and now sends telemetry or events is online again.
        if (channel != DeviceChannel.Status)
        {
            await presence.ReportAsync(state, DeviceStatus.Online, receivedAt, cancellationToken).ConfigureAwait(false);
        }

        metrics.MessagesInOf(device.Kind, channel).Inc();
        var ticket = journal.Append(IngestRecord.DeviceMessage(receivedMs, duplicate, channel, device.UserName, point.FinishInPlace(timestampMs), payload));
        if (ticket.Outcome != JournalAppendOutcome.Appended)
        {
            metrics.PointsDropped.WithLabels("journal_refused").Inc();
            return IngestResult.NotDurable;
        }

        if (!acknowledged || deferAcknowledgement)
        {
            return new IngestResult(IngestOutcome.Accepted, Ticket: ticket);
        }

        return await ticket.WaitDurableAsync(cancellationToken).ConfigureAwait(false) ? IngestResult.Accepted : IngestResult.NotDurable;
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
