using Microsoft.AspNetCore.SignalR;

namespace RedProperty.Iot.Hub.Desk;

public static class DeskSetup
{
    /// <summary>SignalR for the property desk, with its hub filter and broadcaster.</summary>
    public static IServiceCollection AddDesk(this IServiceCollection services)
    {
        services.AddSignalR(o => o.AddFilter<DeskHubFilter>());
        services.AddSingleton<DeskBroadcaster>();
        services.AddHostedService(sp => sp.GetRequiredService<DeskBroadcaster>());
        services.AddHostedService<ElevatorBroadcaster>();
        return services;
    }
}
