using RedProperty.Iot.Hub.Devices;

namespace RedProperty.Iot.Hub.Ingestion;

public static class IngestionSetup
{
    /// <summary>Decoding device messages into the ingest journal, each device's state, presence and latest readings, the device rules' clock, and the alert pipeline that judges the journal.</summary>
    public static IServiceCollection AddIngestion(this IServiceCollection services)
    {
        services.AddSingleton<DeviceStates>();
        services.AddSingleton<DeviceReadings>();
        services.AddSingleton<DevicePresence>();
        services.AddSingleton<DeviceMessageIngestor>();
        services.AddSingleton<DeviceWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<DeviceWatch>());
        // After the watch (it waits for the rules' restored state); before the broker lets devices in.
        services.AddSingleton<AlertPipeline>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertPipeline>());
        return services;
    }
}
