using RedProperty.Iot.Hub.Devices;

namespace RedProperty.Iot.Hub.Ingestion;

public static class IngestionSetup
{
    /// <summary>Decoding device messages, each device's state and latest readings, and handing points and signals on.</summary>
    public static IServiceCollection AddIngestion(this IServiceCollection services)
    {
        services.AddSingleton<DeviceDirectory>();
        services.AddSingleton<DeviceReadings>();
        services.AddSingleton<DeviceMessageIngestor>();
        return services;
    }
}
