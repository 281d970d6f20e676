using Prometheus;
using RedProperty.Iot.Hub.Broker;
using RedProperty.Iot.Hub.Metrics;

namespace RedProperty.Iot.Hub.Operations;

public static class OperationsSetup
{
    /// <summary>What the IT team watches: the hub's metrics, its health checks, problem details and the OpenAPI document.</summary>
    public static IServiceCollection AddOperations(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => new HubMetrics(Prometheus.Metrics.NewCustomRegistry()));
        var health = services.AddHealthChecks();
        _ = BrokerSetup.IsExternal(configuration) ? health.AddCheck<ExternalBrokerHealthCheck>("broker") : health.AddCheck<BrokerHealthCheck>("broker");
        health
            .AddCheck<JournalHealthCheck>("journal")
            .AddCheck<InfluxHealthCheck>("influxdb")
            .AddCheck<DiskHealthCheck>("disk")
            .AddCheck<CameraHealthCheck>("cameras");
        services.AddProblemDetails();
        services.AddOpenApi();
        return services;
    }

    /// <summary><c>/healthz</c>, <c>/metrics</c> and <c>/openapi/v1.json</c>.</summary>
    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", HealthResponse.Options);
        app.MapMetrics("/metrics", app.ServiceProvider.GetRequiredService<HubMetrics>().Registry);
        app.MapOpenApi();
        return app;
    }
}
