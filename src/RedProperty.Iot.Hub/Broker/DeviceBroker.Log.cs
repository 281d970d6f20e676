namespace RedProperty.Iot.Hub.Broker;

public sealed partial class DeviceBroker
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused login of {UserName} from {RemoteAddress}: {Reason} (logged once a minute per address and reason; rp_hub_connections_refused_total counts all)")]
    private static partial void LogLoginRefused(ILogger logger, string userName, string? remoteAddress, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused login of {UserName}: client id {ClientId} is in use by {Owner}")]
    private static partial void LogClientIdTaken(ILogger logger, string userName, string clientId, string owner);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discarded the session {Owner} left under client id {ClientId}: {Newcomer} logged in with that client id (a session never changes hands)")]
    private static partial void LogSessionDiscarded(ILogger logger, string clientId, string owner, string newcomer);

    [LoggerMessage(Level = LogLevel.Error, Message = "Client {ClientId} ({UserName}) resumed a session that is not its own; it was disconnected and the session deleted")]
    private static partial void LogForeignSessionResumed(ILogger logger, string clientId, string userName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused subscription of {UserName} to {Topic}: a device may subscribe only to its own cmd topic, a report reader only to its sites' reports")]
    private static partial void LogSubscriptionRefused(ILogger logger, string userName, string topic);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ingesting a message from {UserName} on {Topic} failed; the connection is closed so the device resends it")]
    private static partial void LogIngestFailed(ILogger logger, Exception exception, string userName, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a publish of report reader {UserName} on {Topic}: readers only subscribe")]
    private static partial void LogReaderPublishRefused(ILogger logger, string userName, string topic);

    [LoggerMessage(Level = LogLevel.Error, Message = "Refused a publish of client {ClientId} ({UserName}) on {Topic}: its session has no verified identity of its own; the connection is closed")]
    private static partial void LogUnverifiedPublishRefused(ILogger logger, string clientId, string userName, string topic);
}
