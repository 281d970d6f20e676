using RedProperty.Iot.Hub.Configuration;

namespace RedProperty.Iot.Hub.Centre;

public static class CentreSetup
{
    /// <summary>The district centre (<c>Hub:Role=centre</c>): the edges' changes read from the district broker into a read model.</summary>
    public static IServiceCollection AddCentre(this IServiceCollection services, IConfiguration configuration)
    {
        if (configuration[$"{HubOptions.Section}:Role"] != "centre")
        {
            return services;
        }

        var mqtt = configuration.GetSection(MqttOptions.Section).Get<MqttOptions>() ?? new MqttOptions();
        if (!mqtt.IsExternal || string.IsNullOrWhiteSpace(mqtt.ExternalUrl))
        {
            throw new InvalidOperationException("Hub:Role=centre needs Mqtt:Mode=external and Mqtt:ExternalUrl naming the district broker the edges report to");
        }

        services.AddCheckedOptions<CentreOptions, CentreOptionsValidator>(CentreOptions.Section);
        services.AddSingleton<EdgeStore>();
        services.AddSingleton<EdgeAlertsLive>();
        services.AddSingleton<Desk.IDeskAlertSource>(sp => sp.GetRequiredService<EdgeAlertsLive>());
        services.AddSingleton<EdgeCommands>();
        services.AddSingleton<CentreConsumer>();
        services.AddHostedService(sp => sp.GetRequiredService<CentreConsumer>());
        return services;
    }

    /// <summary>The centre's endpoints; on a hub that is no centre <c>GET /api/district/edges</c> answers an empty list (the desk asks every hub).</summary>
    public static IEndpointRouteBuilder MapCentre(this IEndpointRouteBuilder app) => app.MapCentreEndpoints();
}
