using Microsoft.Extensions.Options;
using MQTTnet.AspNetCore;
using RedProperty.Iot.Hub.Broker.Logins;
using RedProperty.Iot.Hub.Broker.Transport;
using RedProperty.Iot.Hub.Configuration;
using RedProperty.Iot.Hub.Reports;

namespace RedProperty.Iot.Hub.Broker;

public static class BrokerSetup
{
    /// <summary>
    /// <c>Mqtt:Mode=embedded</c> (the default): the hub is the devices' broker, with device logins, identity
    /// binding, the transport guard and read-only report accounts. <c>external</c>: the hub consumes the sites it
    /// owns from another broker. Either way the broker publishes the monthly reports (<see cref="IReportPublisher"/>).
    /// Registered last, so it starts after everything it hands messages to and stops first.
    /// </summary>
    public static IServiceCollection AddBroker(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCheckedOptions<MqttOptions, MqttOptionsValidator>(MqttOptions.Section);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<MqttOptions>>().Value);
        if (IsExternal(configuration))
        {
            services.AddSingleton<ExternalBrokerConsumer>();
            services.AddSingleton<IReportPublisher>(sp => sp.GetRequiredService<ExternalBrokerConsumer>());
            services.AddHostedService(sp => sp.GetRequiredService<ExternalBrokerConsumer>());
            return services;
        }

        services.AddSingleton(sp => new ReportReaders(sp.GetRequiredService<MqttOptions>(), sp.GetRequiredService<DeviceRegistry>()));
        services.AddSingleton<BrokerLogins>();
        services.AddSingleton<DeviceBroker>();
        services.AddSingleton<EmbeddedReportPublisher>();
        services.AddSingleton<IReportPublisher>(sp => sp.GetRequiredService<EmbeddedReportPublisher>());
        services.AddHostedMqttServer(o => o.WithoutDefaultEndpoint().WithPersistentSessions());
        services.AddMqttTransport();
        services.AddHostedService<BrokerShutdown>();
        services.AddConnections();
        return services;
    }

    /// <summary>MQTT over WebSockets on <c>/mqtt</c> and the broker's event handlers (embedded mode).</summary>
    public static WebApplication MapBroker(this WebApplication app)
    {
        if (IsExternal(app.Configuration))
        {
            return app;
        }

        // The report accounts are checked now, at start, rather than at the first reader's login.
        app.Services.GetRequiredService<ReportReaders>();
        app.MapGuardedMqtt("/mqtt", app.Services.GetRequiredService<IOptions<MqttLimitsOptions>>().Value);
        app.UseMqttServer(server =>
        {
            app.Services.GetRequiredService<DeviceBroker>().Attach(server);
            app.Services.GetRequiredService<EmbeddedReportPublisher>().Attach(server);
        });
        return app;
    }

    public static bool IsExternal(IConfiguration configuration) => configuration[$"{MqttOptions.Section}:Mode"] == "external";
}
