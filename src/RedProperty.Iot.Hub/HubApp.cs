using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MQTTnet.AspNetCore;
using MQTTnet.Server;
using Prometheus;
using RedProperty.Iot.Alerts;
using RedProperty.Iot.Alerts.Rules;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Storage;
using RedProperty.Iot.Hub.Api;
using RedProperty.Iot.Hub.Cameras;
using RedProperty.Iot.Hub.ChangeLog;
using RedProperty.Iot.Hub.Desk;
using RedProperty.Iot.Hub.EdgeIo;
using RedProperty.Iot.Hub.Reports;
using RedProperty.Iot.Hub.Staff;
using RedProperty.Iot.Hub.Broker;
using RedProperty.Iot.Hub.Broker.Logins;
using RedProperty.Iot.Hub.Broker.Transport;
using RedProperty.Iot.Hub.Configuration;
using RedProperty.Iot.Hub.Devices;
using RedProperty.Iot.Hub.Ingestion;
using RedProperty.Iot.Hub.Operations;
using RedProperty.Iot.Hub.Registry;
using RedProperty.Iot.Hub.TimeSeries;
using RedProperty.Iot.Hub.TimeSeries.Sinks;
using RedProperty.Iot.Hub.TimeSeries.Spool;
using RedProperty.Iot.Registry;

namespace RedProperty.Iot.Hub;

/// <summary>Builds the hub: embedded broker, ingestion, time-series writer, operations endpoints.</summary>
public static class HubApp
{
    public const string DefaultHttpUrls = "http://0.0.0.0:8080";

    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Content root is the program's folder, so appsettings.json is found wherever the hub is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        // Under systemd: readiness notification (Type=notify) and journald-friendly logs; nothing elsewhere.
        builder.Host.UseSystemd();
        var listeners = new HubListeners();
        builder.Services.AddSingleton(listeners);
        var httpUrls = builder.Configuration["Http:Urls"] ?? builder.Configuration["urls"] ?? DefaultHttpUrls;
        var external = builder.Configuration[$"{MqttOptions.Section}:Mode"] == "external";
        builder.WebHost.ConfigureKestrel((context, kestrel) => ConfigureListeners(context.Configuration, httpUrls, kestrel, listeners, external));

        builder.Services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<MqttOptions>().BindConfiguration(MqttOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<TlsOptions>().BindConfiguration(TlsOptions.Section);
        builder.Services.AddOptions<InfluxOptions>().BindConfiguration(InfluxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // TryAdd: a test may run the hub on a virtual clock (replaying a captured night in seconds).
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(_ => new HubMetrics(Metrics.NewCustomRegistry()));

        builder.Services.AddSingleton(sp =>
        {
            var hub = sp.GetRequiredService<IOptions<HubOptions>>().Value;
            return RegistryLoader.Load(hub.Registry, hub.DataDir, hub.SecretHashIterations, sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RegistryLoader)));
        });
        builder.Services.AddSingleton<DeviceDirectory>();
        builder.Services.AddSingleton<DeviceReadings>();
        builder.Services.AddSingleton<DeviceMessageIngestor>();
        builder.Services.AddSingleton<DeviceBroker>();

        AddTimeSeries(builder.Services);
        AddAlerts(builder.Services, builder.Configuration);
        builder.Services.AddStaffAuthentication(builder.Configuration[$"{HubOptions.Section}:DataDir"] ?? new HubOptions().DataDir);
        builder.Services.AddStaffAntiforgery();
        builder.Services.AddStaffAccounts();

        // Registered after the writer, so the broker stops first and the writer then drains into the spool.
        builder.Services.AddSingleton<SiteOwnership>();
        if (external)
        {
            builder.Services.AddSingleton(sp => ExternalOptions(sp.GetRequiredService<IOptions<MqttOptions>>().Value));
            builder.Services.AddSingleton<ExternalBrokerConsumer>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<ExternalBrokerConsumer>());
            builder.Services.AddSingleton<IHubPublisher>(sp => sp.GetRequiredService<ExternalBrokerConsumer>());
        }
        else
        {
            builder.Services.AddSingleton(sp => new ReportReaders(sp.GetRequiredService<IOptions<MqttOptions>>().Value, sp.GetRequiredService<DeviceRegistry>()));
            builder.Services.AddSingleton<BrokerLogins>();
            builder.Services.AddSingleton<EmbeddedHubPublisher>();
            builder.Services.AddSingleton<IHubPublisher>(sp => sp.GetRequiredService<EmbeddedHubPublisher>());
            builder.Services.AddHostedMqttServer(o => o.WithoutDefaultEndpoint().WithPersistentSessions());
            builder.Services.AddMqttTransport();
            builder.Services.AddHostedService<BrokerShutdown>();
        }

        builder.Services.AddConnections();

        var health = builder.Services.AddHealthChecks();
        _ = external ? health.AddCheck<ExternalBrokerHealthCheck>("broker") : health.AddCheck<BrokerHealthCheck>("broker");
        health
            .AddCheck<InfluxHealthCheck>("influxdb")
            .AddCheck<SpoolHealthCheck>("spool")
            .AddCheck<DiskHealthCheck>("disk")
            .AddCheck<CameraHealthCheck>("cameras");
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();

        var app = builder.Build();

        // Fail at start, with the registry's and thresholds' problems listed, rather than at the first device login.
        app.Services.GetRequiredService<DeviceRegistry>();
        app.Services.GetRequiredService<IThresholdSource>();
        app.Services.GetRequiredService<ClearingPolicy>();
        app.Services.GetRequiredService<HubDatabase>();

        app.UseExceptionHandler();
        app.UseSecurityHeaders();
        app.UseStatusCodePages();
        app.UseWebSockets();
        app.UseAuthentication();
        app.UseDeskScreen();
        app.UseRateLimiter();
        app.UseStaffAntiforgery();
        app.UseAuthorization();
        app.Services.GetRequiredService<SiteOwnership>();
        if (!external)
        {
            app.MapGuardedMqtt("/mqtt", app.Services.GetRequiredService<IOptions<MqttLimitsOptions>>().Value);
            app.Services.GetRequiredService<ReportReaders>();
            app.UseMqttServer(server =>
            {
                app.Services.GetRequiredService<DeviceBroker>().Attach(server);
                app.Services.GetRequiredService<EmbeddedHubPublisher>().Attach(server);
            });
        }
        else
        {
            app.Services.GetRequiredService<MqttOptions>();
        }
        app.MapHealthChecks("/healthz", HealthResponse.Options);
        app.MapMetrics("/metrics", app.Services.GetRequiredService<HubMetrics>().Registry);
        app.MapOpenApi();
        app.MapDeviceEndpoints();
        app.MapAlertEndpoints();
        app.MapAuthEndpoints();
        app.MapStaffEndpoints();
        app.MapAntiforgeryEndpoint();
        app.MapSiteEndpoints();
        app.MapEvidenceEndpoint();
        app.MapReportEndpoints();
        // A desk whose login expires is disconnected, so it cannot keep watching on an expired session.
        app.MapHub<DeskHub>("/hubs/desk", o => o.CloseOnAuthenticationExpiration = true);
        return app;
    }

    private static void AddAlerts(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section);
        services.AddOptions<ReportOptions>().BindConfiguration(ReportOptions.Section)
            .Validate(o => o.Weights.ToWeights() is var w && new[] { w.ResponseSla, w.OnSiteSla, w.CameraAvailability, w.DeviceAvailability, w.LampRepair, w.FlyingWire } is var all
                && all.All(x => x >= 0 && double.IsFinite(x)) && all.Sum() > 0, "Reports:Weights must be 0 or more each, and not all 0")
            .Validate(o => o.ListSize >= 0, "Reports:ListSize must be 0 or more")
            .Validate(o => o.MonthlySnapshot.Delay >= TimeSpan.Zero && o.MonthlySnapshot.Delay < TimeSpan.FromDays(1), "Reports:MonthlySnapshot:Delay must be from 00:00:00 to under 1.00:00:00")
            .Validate(o => o.MonthlySnapshot.RetryEvery >= TimeSpan.FromSeconds(1), "Reports:MonthlySnapshot:RetryEvery must be at least 00:00:01")
            .ValidateOnStart();
        services.AddSingleton<SiteReports>();
        services.AddHostedService<MonthlyReportService>();
        services.AddSingleton<IThresholdSource>(sp =>
        {
            var catalog = ThresholdCatalog.Build(sp.GetRequiredService<DeviceRegistry>(), AlertSettings.Read(configuration), $"{AlertOptions.Section}:", out var errors);
            return errors.Count == 0 ? catalog : throw new InvalidOperationException(
                $"alert thresholds have {errors.Count} problem(s):{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors));
        });
        services.AddSingleton(_ =>
        {
            var policy = ClearingPolicy.Build(AlertSettings.Clearing(configuration), $"{AlertOptions.Section}:Clearing", out var errors);
            return errors.Count == 0 ? policy : throw new InvalidOperationException(
                $"alert clearing policy has {errors.Count} problem(s):{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors));
        });
        services.AddEdgeIo(configuration);
        services.AddCameras();
        services.AddSingleton<AlertRuleEngine>();
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<AlertOptions>>().Value;
            return new EscalationPolicy(o.AcknowledgeWithin, o.ResolveCriticalWithin);
        });
        services.AddHubStorage();
        services.AddSingleton<StaffDirectory>();
        services.AddSingleton<DeskChangeFeed>();
        services.AddSingleton<AlertService>();
        services.AddHostedService<StaffBootstrap>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertService>());
        services.AddHostedService<AlertTimers>();
        services.AddDesk(configuration);
        services.AddSingleton<DeskSessionWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<DeskSessionWatch>());
    }

    private static void AddTimeSeries(IServiceCollection services)
    {
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
    }

    /// <summary>
    /// MQTT over TCP on <c>Mqtt:Port</c>; HTTP (REST, SignalR, MQTT over WebSockets) on <c>Http:Urls</c>,
    /// or the usual <c>urls</c> (<c>ASPNETCORE_URLS</c>), which explicit listeners would otherwise override.
    /// </summary>
    /// <summary>External broker mode needs the broker's URL and a fixed client id (its persistent session).</summary>
    private static MqttOptions ExternalOptions(MqttOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ExternalUrl) || !Uri.TryCreate(options.ExternalUrl, UriKind.Absolute, out var url) || url.Scheme is not ("mqtt" or "mqtts" or "tcp" or "ws" or "wss"))
        {
            throw new InvalidOperationException($"Mqtt:Mode=external needs Mqtt:ExternalUrl such as mqtt://broker:1883 (got '{options.ExternalUrl}')");
        }

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            throw new InvalidOperationException("Mqtt:Mode=external needs Mqtt:ClientId, fixed per hub instance (the broker keeps its session under it)");
        }

        return options;
    }

    private static void ConfigureListeners(IConfiguration configuration, string urls, Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, HubListeners listeners, bool external)
    {
        var mqtt = configuration.GetSection(MqttOptions.Section).Get<MqttOptions>() ?? new MqttOptions();
        if (!IPAddress.TryParse(mqtt.BindAddress, out var mqttAddress))
        {
            throw new InvalidOperationException($"Mqtt:BindAddress '{mqtt.BindAddress}' is not an IP address");
        }

        var certificate = TlsCertificate.Load(configuration.GetSection(TlsOptions.Section).Get<TlsOptions>() ?? new TlsOptions());
        if (!external)
        {
            var limits = configuration.GetSection(MqttLimitsOptions.Section).Get<MqttLimitsOptions>() ?? new MqttLimitsOptions();
            kestrel.Limits.MaxRequestBufferSize = MqttTransportSetup.InputBufferBytes(limits);
            kestrel.Listen(mqttAddress, mqtt.Port, listen =>
            {
                listen.UseGuardedMqtt();
                listeners.Mqtt = listen;
            });

            if (certificate is not null)
            {
                kestrel.Listen(mqttAddress, mqtt.TlsPort, listen =>
                {
                    listen.UseGuardedMqtt(certificate);
                    listeners.MqttTls = listen;
                });
            }
        }

        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri)
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new InvalidOperationException($"urls: '{url}' must be an http:// or https:// URL such as http://0.0.0.0:8080");
            }

            var tls = uri.Scheme == Uri.UriSchemeHttps;
            if (tls && certificate is null)
            {
                throw new InvalidOperationException($"urls: '{url}' is https: set Tls:CertificatePath (and Tls:KeyPath or Tls:Password)");
            }

            Action<Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions> configure = tls
                ? listen => { listen.UseHttps(certificate!); listeners.AddHttps(listen); }
                : listeners.AddHttp;
            if (uri.Host == "localhost")
            {
                kestrel.Listen(IPAddress.Loopback, uri.Port, configure);
            }
            else if (IPAddress.TryParse(uri.Host, out var address))
            {
                kestrel.Listen(address, uri.Port, configure);
            }
            else
            {
                throw new InvalidOperationException($"urls: '{url}' must name an IP address, * or localhost");
            }
        }
    }
}
