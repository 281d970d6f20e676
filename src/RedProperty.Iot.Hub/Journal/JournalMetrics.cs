using Prometheus;
using RedProperty.Iot.Hub.Metrics;

namespace RedProperty.Iot.Hub.Journal;

/// <summary>The ingest journal's metrics, in the hub's registry (served at <c>/metrics</c>).</summary>
public sealed class JournalMetrics
{
    public JournalMetrics(HubMetrics hub)
        : this(hub.Registry)
    {
    }

    public JournalMetrics(CollectorRegistry registry)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        Bytes = factory.CreateGauge("rp_hub_journal_bytes", "Bytes in the ingest journal's segment files.");
        Segments = factory.CreateGauge("rp_hub_journal_segments", "Segment files of the ingest journal.");
        FsyncSeconds = factory.CreateHistogram("rp_hub_journal_fsync_seconds", "Duration of one journal fsync (one per group commit).", new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0001, 2, 16) });
        GroupRecords = factory.CreateHistogram("rp_hub_journal_group_records", "Records made durable by one fsync (group commit).", new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 2, 16) });
        Records = factory.CreateCounter("rp_hub_journal_records_total", "Records made durable in the journal.");
        RecordsDropped = factory.CreateCounter("rp_hub_journal_records_dropped_total", "Records a consumer had not finished when Journal:MaxBytes made the journal delete them (only consumers that allow it: the time-series shipper).", "consumer");
        RecordsCorrupt = factory.CreateCounter("rp_hub_journal_records_corrupt_total", "Damaged records readers skipped (bad header or data CRC).");
        AppendsRefused = factory.CreateCounter("rp_hub_journal_appends_refused_total", "Appends the journal refused, by reason (full, unavailable, too_large, busy).", "reason");
        ConsumerLagRecords = factory.CreateGauge("rp_hub_journal_consumer_lag_records", "Durable records a consumer has not finished.", "consumer");
        ConsumerLagSeconds = factory.CreateGauge("rp_hub_journal_consumer_lag_seconds", "Age of the oldest record a consumer has read and not finished.", "consumer");
        RefusedFull = AppendsRefused.WithLabels("full");
        RefusedUnavailable = AppendsRefused.WithLabels("unavailable");
        RefusedTooLarge = AppendsRefused.WithLabels("too_large");
        RefusedBusy = AppendsRefused.WithLabels("busy");
    }

    public Gauge Bytes { get; }

    public Gauge Segments { get; }

    public Histogram FsyncSeconds { get; }

    public Histogram GroupRecords { get; }

    public Counter Records { get; }

    public Counter RecordsDropped { get; }

    public Counter RecordsCorrupt { get; }

    public Counter AppendsRefused { get; }

    public Gauge ConsumerLagRecords { get; }

    public Gauge ConsumerLagSeconds { get; }

    internal Counter.Child RefusedFull { get; }

    internal Counter.Child RefusedUnavailable { get; }

    internal Counter.Child RefusedTooLarge { get; }

    internal Counter.Child RefusedBusy { get; }

    internal Counter.Child Refused(JournalAppendOutcome outcome) => outcome switch
    {
        JournalAppendOutcome.Full => RefusedFull,
        JournalAppendOutcome.TooLarge => RefusedTooLarge,
        JournalAppendOutcome.Busy => RefusedBusy,
        _ => RefusedUnavailable,
    };
}
