using Prometheus;

namespace RedProperty.Iot.Hub.Metrics;

/// <summary>The hub's Prometheus metrics, served at <c>/metrics</c>.</summary>
public sealed class HubMetrics
{
    private readonly Counter.Child?[,] _messagesIn;
    private static readonly double[] LatencyBuckets = Histogram.ExponentialBuckets(0.0005, 2, 16);

    public HubMetrics(CollectorRegistry? registry = null)
    {
        Registry = registry ?? Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        MessagesIn = factory.CreateCounter("rp_hub_messages_total", "Device messages accepted, by kind and channel.", "kind", "channel");
        _messagesIn = new Counter.Child?[Enum.GetValues<DeviceKind>().Length, Enum.GetValues<DeviceChannel>().Length];
        Rejections = factory.CreateCounter("rp_hub_rejections_total", "Device messages refused, by reason.", "reason");
        SubscriptionsRefused = factory.CreateCounter("rp_hub_subscriptions_refused_total", "Subscriptions refused by the per-device ACL.");
        ConnectionsRefused = factory.CreateCounter("rp_hub_connections_refused_total", "MQTT logins refused, by reason.", "reason");
        SecretChecks = factory.CreateCounter("rp_hub_login_secret_checks_total", "Broker login secrets checked, by kind: remembered (verified before), generated (salted HMAC), key_stretched (PBKDF2, rationed).", "kind");
        SessionsDiscarded = factory.CreateCounter("rp_hub_sessions_discarded_total", "Stored MQTT sessions discarded because another device or reader logged in under their client id.");
        ConnectionsClosed = factory.CreateCounter("rp_hub_connections_closed_total", "MQTT connections the hub closed or turned away for breaking a limit (Mqtt:Limits), by reason.", "reason");
        TimestampsCorrected = factory.CreateCounter("rp_hub_timestamps_corrected_total", "Points stored at receive time because the device ts was more than 5 minutes off.");
        SequenceGaps = factory.CreateCounter("rp_hub_seq_gaps_total", "Times a device's seq skipped numbers (messages lost before the hub).");
        SequenceDuplicates = factory.CreateCounter("rp_hub_seq_duplicates_total", "Messages whose seq was seen before (retransmissions, replays).");
        ClientsConnected = factory.CreateGauge("rp_hub_clients_connected", "MQTT clients connected.");
        PointsWritten = factory.CreateCounter("rp_hub_points_written_total", "Points InfluxDB accepted.");
        PointsDropped = factory.CreateCounter("rp_hub_points_dropped_total", "Points not kept, by reason (journal_refused: the journal was full or its disk failed, the device was not acknowledged; rejected_by_influx: in the dead-letter file).", "reason");
        WriteLatency = factory.CreateHistogram("rp_hub_influx_write_seconds", "Duration of one InfluxDB batch write.", new HistogramConfiguration { Buckets = LatencyBuckets, LabelNames = ["outcome"] });
        ShipLatency = factory.CreateHistogram("rp_hub_receive_to_influx_seconds", "From receiving a message to its point being shipped to InfluxDB (read from the journal for a write).", new HistogramConfiguration { Buckets = LatencyBuckets });
        BatchSize = factory.CreateHistogram("rp_hub_write_batch_points", "Points per write batch.", new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 2, 16) });
        InfluxUp = factory.CreateGauge("rp_hub_influx_up", "1 when the last InfluxDB write or ping succeeded.");
        DeskClientsDropped = factory.CreateCounter("rp_hub_desk_clients_dropped_total", "Desk connections the hub closed because they did not keep up, by reason (stalled: a message not taken within 10 s; backlog: 10 000 changes waiting; resync: the change feed overflowed; error).", "reason");
        DeskFeedDropped = factory.CreateCounter("rp_hub_desk_feed_dropped_total", "Committed changes not pushed live because the desk change feed was full; the desks were disconnected and catch up from the change log.");
        ScaleOutRefused = factory.CreateCounter("rp_hub_scaleout_messages_refused_total", "Messages between instances over Redis refused, by message (command, reply, desk) and reason (signature, malformed, expired, replayed).", "message", "reason");
    }

    /// <summary>Each hub has its own registry, so several hubs in one process (tests) do not share counters.</summary>
    public CollectorRegistry Registry { get; }

    public Counter MessagesIn { get; }

    /// <summary>The message counter of one kind and channel, made once (no label lookup per message).</summary>
    public Counter.Child MessagesInOf(DeviceKind kind, DeviceChannel channel) =>
        _messagesIn[(int)kind, (int)channel] ??= MessagesIn.WithLabels(kind.ToWire(), channel.ToWire());

    public Counter Rejections { get; }

    public Counter SubscriptionsRefused { get; }

    public Counter ConnectionsRefused { get; }

    public Counter ConnectionsClosed { get; }

    public Counter SessionsDiscarded { get; }

    public Counter SecretChecks { get; }

    public Counter TimestampsCorrected { get; }

    public Counter SequenceGaps { get; }

    public Counter SequenceDuplicates { get; }

    public Gauge ClientsConnected { get; }

    public Counter PointsWritten { get; }

    public Counter PointsDropped { get; }

    public Histogram WriteLatency { get; }

    public Histogram ShipLatency { get; }

    public Histogram BatchSize { get; }

    public Gauge InfluxUp { get; }

    public Counter ScaleOutRefused { get; }

    public Counter DeskClientsDropped { get; }

    public Counter DeskFeedDropped { get; }
}
