namespace RedProperty.Iot.Hub.Registry;

public static partial class KeptRegistry
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Hub:Registry is not set: no device can log in")]
    private static partial void LogNoRegistry(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registry unchanged: {Devices} devices in {Sites} sites from the kept copy {Path}")]
    private static partial void LogKeptRegistry(ILogger logger, int devices, int sites, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Imported {Devices} devices in {Sites} sites from {Source}; kept with hashed secrets only in {Kept}")]
    private static partial void LogImported(ILogger logger, int devices, int sites, string source, string kept);
}
