namespace RedProperty.Iot.Hub.TimeSeries;

public sealed partial class TimeSeriesWriter
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "{Sink} is unavailable ({Detail}); points go to the spool until it is back")]
    private static partial void LogSinkUnavailable(ILogger logger, string sink, string? detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Sink} is back; {Points} spooled points left to replay")]
    private static partial void LogSinkBack(ILogger logger, string sink, long points);

    [LoggerMessage(Level = LogLevel.Error, Message = "InfluxDB refused a point as bad data ({Detail}); kept in the dead-letter file: {Line}")]
    private static partial void LogPointRejected(ILogger logger, string? detail, string line);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Could not append {Points} points to the spool; their devices are not acknowledged")]
    private static partial void LogSpoolAppendFailed(ILogger logger, Exception exception, int points);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool replay failed; retrying")]
    private static partial void LogReplayFailed(ILogger logger, Exception exception);
}
