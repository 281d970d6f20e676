namespace RedProperty.Iot.Hub.Storage;

public sealed partial class HubDatabase
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Hub database {Path} migrated to schema version {Version}")]
    private static partial void LogMigrated(ILogger logger, string path, int version);
}
