using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using RedProperty.Iot.Hub.Broker.Transport;
using RedProperty.Iot.Hub.Configuration;

namespace RedProperty.Iot.Hub.Hosting;

public static class ListenerSetup
{
    public const string DefaultHttpUrls = "http://0.0.0.0:8080";

    /// <summary>
    /// MQTT over TCP on <c>Mqtt:Port</c> and over TLS on <c>Mqtt:TlsPort</c> (embedded broker only); HTTP (REST,
    /// SignalR, MQTT over WebSockets) on <c>Http:Urls</c>, or the usual <c>urls</c> (<c>ASPNETCORE_URLS</c>),
    /// which explicit listeners would otherwise override. The ports actually bound are in <see cref="HubListeners"/>.
    /// </summary>
    public static WebApplicationBuilder AddListeners(this WebApplicationBuilder builder)
    {
        var listeners = new HubListeners();
        builder.Services.AddSingleton(listeners);
        builder.Services.AddCheckedOptions<TlsOptions, TlsOptionsValidator>(TlsOptions.Section);
        var httpUrls = builder.Configuration["Http:Urls"] ?? builder.Configuration["urls"] ?? DefaultHttpUrls;
        builder.WebHost.ConfigureKestrel((context, kestrel) => Configure(context.Configuration, httpUrls, kestrel, listeners));
        return builder;
    }

    private static void Configure(IConfiguration configuration, string urls, KestrelServerOptions kestrel, HubListeners listeners)
    {
        var mqtt = configuration.GetSection(MqttOptions.Section).Get<MqttOptions>() ?? new MqttOptions();
        var certificate = TlsCertificate.Load(configuration.GetSection(TlsOptions.Section).Get<TlsOptions>() ?? new TlsOptions());
        if (!mqtt.IsExternal)
        {
            // Checked at start by MqttOptions; Kestrel reads its listeners before that, so the message is repeated here.
            if (!IPAddress.TryParse(mqtt.BindAddress, out var mqttAddress))
            {
                throw new InvalidOperationException($"Mqtt:BindAddress '{mqtt.BindAddress}' is not an IP address");
            }

            var limits = configuration.GetSection(MqttLimitsOptions.Section).Get<MqttLimitsOptions>() ?? new MqttLimitsOptions();
            kestrel.Limits.MaxRequestBufferSize = MqttTransportSetup.InputBufferBytes(limits);
            kestrel.Listen(mqttAddress, mqtt.Port, listen =>
            {
                listen.UseGuardedMqtt();
                listeners.Mqtt = listen;
            });

            if (certificate is not null)
            {
                kestrel.Listen(mqttAddress, mqtt.TlsPort, listen =>
                {
                    listen.UseGuardedMqtt(certificate);
                    listeners.MqttTls = listen;
                });
            }
        }

        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri)
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new InvalidOperationException($"urls: '{url}' must be an http:// or https:// URL such as http://0.0.0.0:8080");
            }

            var tls = uri.Scheme == Uri.UriSchemeHttps;
            if (tls && certificate is null)
            {
                throw new InvalidOperationException($"urls: '{url}' is https: set Tls:CertificatePath (and Tls:KeyPath or Tls:Password)");
            }

            Action<ListenOptions> configure = tls
                ? listen => { listen.UseHttps(certificate!); listeners.AddHttps(listen); }
                : listeners.AddHttp;
            if (uri.Host == "localhost")
            {
                kestrel.Listen(IPAddress.Loopback, uri.Port, configure);
            }
            else if (IPAddress.TryParse(uri.Host, out var address))
            {
                kestrel.Listen(address, uri.Port, configure);
            }
            else
            {
                throw new InvalidOperationException($"urls: '{url}' must name an IP address, * or localhost");
            }
        }
    }
}
