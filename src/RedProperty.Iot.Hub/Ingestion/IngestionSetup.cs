using RedProperty.Iot.Hub.Devices;

namespace RedProperty.Iot.Hub.Ingestion;

public static class IngestionSetup
{
    /// <summary>Decoding device messages, each device's state, presence and latest readings, the device rules' clock, and handing points and signals on.</summary>
    public static IServiceCollection AddIngestion(this IServiceCollection services)
    {
        services.AddSingleton<DeviceStates>();
        services.AddSingleton<DeviceReadings>();
        services.AddSingleton<DevicePresence>();
        services.AddSingleton<DeviceMessageIngestor>();
        services.AddHostedService<DeviceWatch>();
        return services;
    }
}
