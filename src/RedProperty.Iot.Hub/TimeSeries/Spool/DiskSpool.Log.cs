namespace RedProperty.Iot.Hub.TimeSeries.Spool;

public sealed partial class DiskSpool
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Spool reopened with {Points} points in {Segments} segments under {Directory}; they will be replayed")]
    private static partial void LogReopened(ILogger logger, long points, int segments, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool segment {Path} ended in a torn record ({Bytes} bytes, from a crash mid-append); cut off")]
    private static partial void LogTornTail(ILogger logger, string path, long bytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool segment {Path} has a damaged record at {Offset}; the rest of the segment is lost")]
    private static partial void LogDamagedSegment(ILogger logger, string path, long offset);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool full ({MaxBytes} bytes): dropped oldest segment {Path} with {Points} points")]
    private static partial void LogSegmentDropped(ILogger logger, string path, long points, long maxBytes);
}
