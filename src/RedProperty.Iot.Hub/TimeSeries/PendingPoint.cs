namespace RedProperty.Iot.Hub.TimeSeries;

/// <summary>
/// A line-protocol point on its way to InfluxDB. <see cref="Durable"/> is set for QoS 1 messages:
/// the device is acknowledged only when it completes (true: in InfluxDB or in the spool).
/// </summary>
public readonly record struct PendingPoint(string Line, long ReceivedTimestamp, TaskCompletionSource<bool>? Durable);
