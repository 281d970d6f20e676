using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Configuration;

namespace RedProperty.Iot.Hub.Notifications;

public static class NotificationsSetup
{
    /// <summary>Outbound notifications: the sites' webhooks (<c>Webhooks:*</c>), their outbox and sender.</summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        services.AddCheckedOptions<WebhookOptions, WebhookOptionsValidator>(WebhookOptions.Section);
        services.AddSingleton<WebhookOutbox>();
        services.AddSingleton<IAlertChangeOutbox>(sp => sp.GetRequiredService<WebhookOutbox>());
        services.AddHttpClient(WebhookSender.ClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        services.AddHostedService<WebhookSender>();
        return services;
    }

    /// <summary>Fails at start when a webhook names a site the registry does not have.</summary>
    public static void CheckWebhookSites(this IServiceProvider services)
    {
        var registry = services.GetRequiredService<DeviceRegistry>();
        var unknown = services.GetRequiredService<IOptions<WebhookOptions>>().Value.Sites.Keys.Where(s => !registry.SitesById.ContainsKey(s)).ToArray();
        if (unknown.Length > 0)
        {
            throw new InvalidOperationException($"{WebhookOptions.Section}:Sites names site(s) the registry does not have: {string.Join(", ", unknown)}");
        }
    }
}
