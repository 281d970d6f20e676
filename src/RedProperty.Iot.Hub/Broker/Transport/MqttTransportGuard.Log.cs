namespace RedProperty.Iot.Hub.Broker.Transport;

public sealed partial class MqttTransportGuard
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Closed an MQTT connection from {Source}: {Reason} (logged once a minute per source and reason; rp_hub_connections_closed_total counts all)")]
    private static partial void LogClosed(ILogger logger, string source, string reason);
}
