using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Configuration;
using RedProperty.Iot.Hub.TimeSeries.Sinks;
using RedProperty.Iot.Hub.TimeSeries.Spool;

namespace RedProperty.Iot.Hub.TimeSeries;

public static class TimeSeriesSetup
{
    /// <summary>The writer to InfluxDB (<c>Influx:*</c>, v1 or v2 or none), its disk spool and the dead-letter file.</summary>
    public static IServiceCollection AddTimeSeries(this IServiceCollection services)
    {
        services.AddCheckedOptions<InfluxOptions, InfluxOptionsValidator>(InfluxOptions.Section);
        services.AddSingleton(sp =>
        {
            var hub = sp.GetRequiredService<IOptions<HubOptions>>().Value;
            var influx = sp.GetRequiredService<IOptions<InfluxOptions>>().Value;
            return new DiskSpool(Path.Combine(hub.DataDir, "spool"), influx.SpoolMaxBytes, influx.SpoolSegmentBytes, sp.GetRequiredService<ILogger<DiskSpool>>());
        });
        services.AddSingleton(sp => new DeadLetterFile(
            Path.Combine(sp.GetRequiredService<IOptions<HubOptions>>().Value.DataDir, "dead-letter.lp"),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<InfluxOptions>>();
            ITimeSeriesSink? sink = options.Value.ParsedVersion switch
            {
                InfluxVersion.V1 => new InfluxV1Sink(new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }), options),
                InfluxVersion.V2 => new InfluxV2Sink(options),
                _ => null,
            };
            return ActivatorUtilities.CreateInstance<TimeSeriesWriter>(sp, sink is null ? [] : [sink]);
        });
        services.AddHostedService(sp => sp.GetRequiredService<TimeSeriesWriter>());
        return services;
    }
}
