namespace RedProperty.Iot.Hub.Broker;

public sealed partial class DeviceBroker
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused login of {UserName} from {RemoteEndPoint}: {Outcome}")]
    private static partial void LogLoginRefused(ILogger logger, string? userName, string? remoteEndPoint, LoginOutcome outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused login of {UserName}: client id {ClientId} is in use by {Owner}")]
    private static partial void LogClientIdTaken(ILogger logger, string userName, string clientId, string owner);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused subscription of {UserName} to {Topic}: a device may subscribe only to {Own}")]
    private static partial void LogSubscriptionRefused(ILogger logger, string userName, string topic, string own);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ingesting a message from {UserName} on {Topic} failed; the connection is closed so the device resends it")]
    private static partial void LogIngestFailed(ILogger logger, Exception exception, string userName, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a publish of report reader {UserName} on {Topic}: readers only subscribe")]
    private static partial void LogReaderPublishRefused(ILogger logger, string userName, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused subscription of report reader {UserName} to {Topic}: only rp/{{site}}/report/monthly of its sites")]
    private static partial void LogReaderSubscriptionRefused(ILogger logger, string userName, string topic);
}
