namespace RedProperty.Iot.Hub.TimeSeries.Sinks;

public enum SinkWriteOutcome
{
    /// <summary>InfluxDB has the points.</summary>
    Written,

    /// <summary>Unreachable, timed out, 5xx, 429 or a configuration problem (401/403/404): keep the points and retry.</summary>
    Unavailable,

    /// <summary>InfluxDB refused the data itself (400, 413, 422): retrying the same batch would not help.</summary>
    Rejected,
}

public readonly record struct SinkWriteResult(SinkWriteOutcome Outcome, string? Detail = null)
{
    public static SinkWriteResult Written { get; } = new(SinkWriteOutcome.Written);
}

/// <summary>Where line-protocol batches go: InfluxDB 1.x <c>/write</c> or the v2 write API.</summary>
public interface ITimeSeriesSink
{
    string Description { get; }

    Task<SinkWriteResult> WriteAsync(LineBatch lines, CancellationToken cancellationToken);

    Task<bool> PingAsync(CancellationToken cancellationToken);
}

internal static class SinkStatusCodes
{
    /// <summary>Status codes that mean "this data is bad", as opposed to "come back later".</summary>
    public static SinkWriteOutcome Classify(int statusCode) => statusCode switch
    {
        >= 200 and < 300 => SinkWriteOutcome.Written,
        400 or 413 or 422 => SinkWriteOutcome.Rejected,
        _ => SinkWriteOutcome.Unavailable,
    };
}
