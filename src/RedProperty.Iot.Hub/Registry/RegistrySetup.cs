using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Configuration;
using RedProperty.Iot.Hub.Sites;

namespace RedProperty.Iot.Hub.Registry;

public static class RegistrySetup
{
    /// <summary>
    /// The <c>Hub</c> options, the device registry (<c>Hub:Registry</c>, kept under <c>Hub:DataDir</c>) and which of
    /// its sites this instance owns (<c>Hub:Sites</c>). The hub's clock is here too: a test may run the hub on a
    /// virtual one (replaying a captured night in seconds), so it is only added when none is.
    /// </summary>
    public static IServiceCollection AddRegistry(this IServiceCollection services)
    {
        services.AddCheckedOptions<HubOptions, HubOptionsValidator>(HubOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var hub = sp.GetRequiredService<IOptions<HubOptions>>().Value;
            return KeptRegistry.Load(hub.Registry, hub.DataDir, hub.SecretHashIterations, sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(KeptRegistry)));
        });
        services.AddSingleton<SiteOwnership>();
        return services;
    }
}
