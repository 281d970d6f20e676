using Microsoft.Extensions.Options;
using RedProperty.Iot.Domain.Alerts.Rules;
using RedProperty.Iot.Hub.ChangeLog;
using RedProperty.Iot.Hub.Configuration;
using RedProperty.Iot.Hub.Devices;

namespace RedProperty.Iot.Hub.Alerts;

public static class AlertsSetup
{
    /// <summary>
    /// The alert rules with their thresholds (<c>Alerts:Thresholds</c> and per site, zone and device), who may
    /// clear which alert (<c>Alerts:Clearing</c>), the response and on-site promises (<c>Alerts:AcknowledgeWithin</c>,
    /// <c>Alerts:ArriveWithin</c>, formerly <c>Alerts:ResolveCriticalWithin</c>), the alert service and its timers (escalation, device silence).
    /// </summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCheckedOptions<AlertOptions, AlertOptionsValidator>(AlertOptions.Section);
        services.AddSingleton<IThresholdSource>(sp =>
        {
            var catalog = ScopedThresholds.Build(sp.GetRequiredService<DeviceRegistry>(), AlertSettings.Read(configuration), $"{AlertOptions.Section}:", out var errors);
            return errors.Count == 0 ? catalog : throw Problems("alert thresholds have", errors);
        });
        services.AddSingleton(_ =>
        {
            var policy = ClearingPolicy.Build(AlertSettings.Clearing(configuration), $"{AlertOptions.Section}:Clearing", out var errors);
            return errors.Count == 0 ? policy : throw Problems("alert clearing policy has", errors);
        });
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<AlertOptions>>().Value;
            return new EscalationPolicy(o.AcknowledgeWithin, o.OnSiteWithin(configuration));
        });
        // The rules keep each device's state in the hub's per-device context (Devices/DeviceStates).
        services.AddSingleton(sp => new AlertRuleEngine(
            sp.GetRequiredService<DeviceRegistry>(), sp.GetRequiredService<IThresholdSource>(), sp.GetRequiredService<ISiteDarkness>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<DeviceStates>()));
        services.AddSingleton<DeskChangeFeed>();
        services.AddSingleton<AlertService>();
        services.AddSingleton<AlertActions>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertService>());
        services.AddHostedService<AlertTimers>();
        return services;
    }

    /// <summary>Builds the thresholds and the clearing policy now, so their problems are listed at start rather than at the first message.</summary>
    public static WebApplication CheckAlertSettings(this WebApplication app)
    {
        app.Services.GetRequiredService<IThresholdSource>();
        app.Services.GetRequiredService<ClearingPolicy>();
        return app;
    }

    private static InvalidOperationException Problems(string what, IReadOnlyCollection<string> errors) => new(
        $"{what} {errors.Count} problem(s):{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors));
}
