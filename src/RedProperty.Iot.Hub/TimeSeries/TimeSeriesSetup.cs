using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Configuration;
using RedProperty.Iot.Hub.TimeSeries.Sinks;

namespace RedProperty.Iot.Hub.TimeSeries;

public static class TimeSeriesSetup
{
    /// <summary>The shipper from the ingest journal to InfluxDB (<c>Influx:*</c>, v1 or v2 or none), the dead-letter file and the outbox for the hub's own points.</summary>
    public static IServiceCollection AddTimeSeries(this IServiceCollection services)
    {
        services.AddCheckedOptions<InfluxOptions, InfluxOptionsValidator>(InfluxOptions.Section);
        services.AddSingleton(sp => new DeadLetterFile(
            Path.Combine(sp.GetRequiredService<IOptions<HubOptions>>().Value.DataDir, "dead-letter.lp"),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<PointOutbox>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<InfluxOptions>>();
            ITimeSeriesSink? sink = options.Value.ParsedVersion switch
            {
                InfluxVersion.V1 => new InfluxV1Sink(new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }), options),
                InfluxVersion.V2 => new InfluxV2Sink(options),
                _ => null,
            };
            return ActivatorUtilities.CreateInstance<TimeSeriesShipper>(sp, sink is null ? [] : [sink]);
        });
        services.AddHostedService(sp => sp.GetRequiredService<TimeSeriesShipper>());
        return services;
    }
}
