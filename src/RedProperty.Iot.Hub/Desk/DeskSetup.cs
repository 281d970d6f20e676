using Microsoft.AspNetCore.SignalR;
using RedProperty.Iot.Hub.Alerts;
using StackExchange.Redis;

namespace RedProperty.Iot.Hub.Desk;

public static class DeskSetup
{
    /// <summary>
    /// SignalR for the property desk, with its hub filter and broadcasters. With <c>SignalR:Redis</c>
    /// several hub instances share one desk: the Redis backplane carries each instance's pushes to the
    /// desks connected to the others, and operator actions on another instance's alerts are forwarded.
    /// </summary>
    public static IServiceCollection AddDesk(this IServiceCollection services, IConfiguration configuration)
    {
        var signalR = services.AddSignalR(o => o.AddFilter<DeskHubFilter>());
        if (configuration["SignalR:Redis"] is { Length: > 0 } redis)
        {
            signalR.AddStackExchangeRedis(redis, o => o.Configuration.ChannelPrefix = RedisChannel.Literal("rp-desk"));
            services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redis));
            services.AddSingleton<AlertCommandBus>();
            services.AddHostedService(sp => sp.GetRequiredService<AlertCommandBus>());
        }

        services.AddSingleton<DeskBroadcaster>();
        services.AddHostedService(sp => sp.GetRequiredService<DeskBroadcaster>());
        services.AddHostedService<ElevatorBroadcaster>();
        return services;
    }
}
