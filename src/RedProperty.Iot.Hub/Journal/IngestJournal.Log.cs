namespace RedProperty.Iot.Hub.Journal;

public sealed partial class IngestJournal
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Journal opened under {Directory}: {Segments} segments, {Bytes} bytes; the next record is number {Sequence}")]
    private static partial void LogOpened(ILogger logger, string directory, int segments, long bytes, long sequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal segment {Path} ended in a torn record ({Bytes} bytes after offset {Offset}, never acknowledged: a crash mid-write); cut off")]
    private static partial void LogTornTailCut(ILogger logger, string path, long bytes, long offset);

    [LoggerMessage(Level = LogLevel.Information, Message = "Journal segment {Path} ended in {Bytes} preallocated bytes after offset {Offset} (zeros never written with records); cut off")]
    private static partial void LogPreallocatedCut(ILogger logger, string path, long bytes, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal could not preallocate space in {Path}, records are appended at the file's end instead: {Problem}; logged at most once a minute")]
    private static partial void LogPreallocateFailed(ILogger logger, string path, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Journal segment {Path} has a damaged record at offset {Offset}: {Records} record(s) skipped, reading goes on with the next good one; logged at most once a minute")]
    private static partial void LogCorruptSkipped(ILogger logger, string path, long offset, long records);

    [LoggerMessage(Level = LogLevel.Error, Message = "Journal unavailable, appends are refused (devices are not acknowledged) until the disk works again: {Problem}")]
    private static partial void LogUnavailable(ILogger logger, string problem, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal still unavailable, retrying every second: {Problem}")]
    private static partial void LogStillUnavailable(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Journal takes appends again: the disk works")]
    private static partial void LogAvailableAgain(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal full, appends are refused (devices are not acknowledged): {Reason}")]
    private static partial void LogFull(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Journal takes appends again: room was made")]
    private static partial void LogNoLongerFull(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal refuses appends: {Bytes} bytes wait for the disk (at most {Limit}); logged at most once a minute")]
    private static partial void LogBusy(ILogger logger, long bytes, long limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal:MaxBytes ({MaxBytes} bytes) reached: deleted segment {Path}, consumer {Consumer} loses {Records} records it had not finished")]
    private static partial void LogRecordsDropped(ILogger logger, string path, string consumer, long records, long maxBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer {Consumer} resumes after record {After} but the journal keeps records only from {Oldest}: {Records} records are lost to it")]
    private static partial void LogReaderBehindRetention(ILogger logger, string consumer, long after, long oldest, long records);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer {Consumer} resumes after record {After} but the journal ends at {Last} (deleted or restored?); numbering goes on after {After}")]
    private static partial void LogCursorAhead(ILogger logger, string consumer, long after, long last);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete finished journal segments under {Directory}; they hold only records every consumer is past")]
    private static partial void LogDeleteFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Journal commit loop failed; the waiting records are refused and the journal retries")]
    private static partial void LogCommitLoopFailed(ILogger logger, Exception exception);
}
