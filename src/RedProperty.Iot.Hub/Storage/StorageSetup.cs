using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Configuration;

namespace RedProperty.Iot.Hub.Storage;

public static class StorageSetup
{
    /// <summary>The hub's database (<c>{Hub:DataDir}/hub.db</c>) and its stores.</summary>
    public static IServiceCollection AddHubStorage(this IServiceCollection services)
    {
        // Opened and migrated synchronously when first asked for (the hub asks right after it is built): see HubDatabase.Open.
        services.AddSingleton(sp => HubDatabase.Open(
            Path.Combine(sp.GetRequiredService<IOptions<HubOptions>>().Value.DataDir, "hub.db"),
            sp.GetRequiredService<ILogger<HubDatabase>>()));
        services.AddSingleton<AlertStore>();
        services.AddSingleton<ChangeLogStore>();
        services.AddSingleton<DeviceSeenStore>();
        services.AddSingleton<ConsumerCursorStore>();
        services.AddSingleton<MonthlyReportStore>();
        return services;
    }
}
