using RedProperty.Iot.Hub.Configuration;

namespace RedProperty.Iot.Hub.Uplink;

public static class UplinkSetup
{
    /// <summary>The edge's link to the district broker (<c>Uplink:Url</c>; off without it).</summary>
    public static IServiceCollection AddUplink(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCheckedOptions<UplinkOptions, UplinkOptionsValidator>(UplinkOptions.Section);
        if (configuration.GetSection(UplinkOptions.Section).Get<UplinkOptions>() is { Enabled: true } uplink)
        {
            if (uplink.Telemetry != UplinkTelemetryMode.None)
            {
                services.AddHostedService<UplinkTelemetry>();
            }

            services.AddSingleton<CentreCommandInbox>();
            services.AddHostedService<UplinkSender>();
        }

        return services;
    }
}
