namespace RedProperty.Iot.Hub.Ingestion;

public sealed partial class DeviceMessageIngestor
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a message from {Device} on {Topic}: {Reason} ({Detail}); further refusals from it are logged at most once a minute")]
    private static partial void LogRejected(ILogger logger, string device, string topic, string reason, string detail);
}
