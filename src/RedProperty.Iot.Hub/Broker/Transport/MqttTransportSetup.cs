using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using MQTTnet.AspNetCore;
using MQTTnet.Server;
using RedProperty.Iot.Hub.Configuration;

namespace RedProperty.Iot.Hub.Broker.Transport;

/// <summary>The embedded broker's listeners, each behind the transport guard (<c>Mqtt:Limits</c>).</summary>
public static class MqttTransportSetup
{
    public static IServiceCollection AddMqttTransport(this IServiceCollection services)
    {
        services.AddCheckedOptions<MqttLimitsOptions, MqttLimitsOptionsValidator>(MqttLimitsOptions.Section);
        services.AddSingleton<MqttTransportGuard>();
        services.AddHostedService<MqttTransportWatchdog>();
        services.AddSingleton<GuardedMqttConnectionHandler>();
        services.AddSingleton<IMqttServerAdapter>(sp => sp.GetRequiredService<GuardedMqttConnectionHandler>());
        return services;
    }

    /// <summary>MQTT over TCP, or over TLS with <paramref name="certificate"/>: admission first (before a TLS handshake costs anything).</summary>
    public static void UseGuardedMqtt(this ListenOptions listen, X509Certificate2? certificate = null)
    {
        listen.Use(next => listen.ApplicationServices.GetRequiredService<MqttTransportGuard>().Admit(next));
        if (certificate is not null)
        {
            listen.UseHttps(certificate);
        }

        listen.UseConnectionHandler<GuardedMqttConnectionHandler>();
    }

    /// <summary>
    /// MQTT over WebSockets at <paramref name="pattern"/>: WebSockets only (no long polling), the MQTT
    /// sub-protocols, and pipe buffers that hold the largest allowed packet.
    /// </summary>
    public static void MapGuardedMqtt(this IEndpointRouteBuilder endpoints, string pattern, MqttLimitsOptions limits)
    {
        var guard = endpoints.ServiceProvider.GetRequiredService<MqttTransportGuard>();
        var options = new HttpConnectionDispatcherOptions
        {
            Transports = HttpTransportType.WebSockets,
            TransportMaxBufferSize = 2L * limits.MaxPacketBytes,
            ApplicationMaxBufferSize = 2L * limits.MaxPacketBytes,
        };
        options.WebSockets.SubProtocolSelector = MqttSubProtocolSelector.SelectSubProtocol;
        endpoints.MapConnections(pattern, options, builder => builder.Use(guard.Admit).UseConnectionHandler<GuardedMqttConnectionHandler>());
    }

    /// <summary>Kestrel pauses reading a connection at this many unread bytes: at least two of the largest packets.</summary>
    public static long InputBufferBytes(MqttLimitsOptions limits) => Math.Max(1L << 20, 2L * limits.MaxPacketBytes);
}
