namespace RedProperty.Iot.Hub.TimeSeries;

public sealed partial class TimeSeriesShipper
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "{Sink} is unavailable ({Detail}); points wait in the ingest journal until it is back")]
    private static partial void LogSinkUnavailable(ILogger logger, string sink, string? detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Sink} is back; {Records} journal records left to ship")]
    private static partial void LogSinkBack(ILogger logger, string sink, long records);

    [LoggerMessage(Level = LogLevel.Error, Message = "InfluxDB refused a point as bad data ({Detail}); kept in the dead-letter file: {Line}")]
    private static partial void LogPointRejected(ILogger logger, string? detail, string line);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing the shipper's journal cursor failed; retrying")]
    private static partial void LogCursorFailed(ILogger logger, Exception exception);
}
