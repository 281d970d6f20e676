namespace RedProperty.Iot.Hub.Reports;

public sealed partial class MonthlyReportService
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Monthly report snapshots are off (Reports:MonthlySnapshot:Enabled=false)")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "No report for {Site} {Month}: the hub's records begin at {RecordsSince}, after that month")]
    private static partial void LogBeforeRecords(ILogger logger, string site, string month, DateTimeOffset recordsSince);

    [LoggerMessage(Level = LogLevel.Information, Message = "No report for {Site} {Month}: the site has no devices, so no records")]
    private static partial void LogNoRecords(ILogger logger, string site, string month);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stored the monthly report of {Site} for {Month}: score {Score} (whole month recorded: {Complete})")]
    private static partial void LogStored(ILogger logger, string site, string month, double score, bool complete);

    [LoggerMessage(Level = LogLevel.Information, Message = "Published the monthly report of {Site} for {Month} on {Topic}")]
    private static partial void LogPublished(ILogger logger, string site, string month, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker cannot take the monthly report of {Site} for {Month} now; it is offered again shortly")]
    private static partial void LogPublishWaiting(ILogger logger, string site, string month);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing monthly reports failed ({Reason}); they are offered again shortly")]
    private static partial void LogPublishFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Closing the month of {Site} failed; trying again shortly")]
    private static partial void LogCloseFailed(ILogger logger, Exception exception, string site);
}
