using MQTTnet;

namespace RedProperty.Iot.Hub.Configuration;

/// <summary>
/// How the hub logs in as a client of another broker (external mode, the uplink to the district, the centre):
/// MQTT 5 with a fixed client id whose session the broker keeps for 7 days (so what was not acknowledged waits
/// for the next connection), TLS for <c>mqtts://</c> and <c>wss://</c>.
/// </summary>
public static class BrokerClient
{
    public static MqttClientOptions PersistentSession(string brokerUrl, string clientId, string? username, string? password)
    {
        var url = new Uri(brokerUrl);
        var builder = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(7 * 24 * 3600)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (!string.IsNullOrEmpty(username))
        {
            builder = builder.WithCredentials(username, password);
        }

        builder = url.Scheme is "ws" or "wss"
            ? builder.WithWebSocketServer(o => o.WithUri(url.ToString()))
            : builder.WithTcpServer(url.Host, url.Port > 0 ? url.Port : url.Scheme == "mqtts" ? 8883 : 1883);
        if (url.Scheme is "mqtts" or "wss")
        {
            builder = builder.WithTlsOptions(o => o.UseTls());
        }

        return builder.Build();
    }
}
