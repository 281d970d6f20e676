using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Configuration;
using StackExchange.Redis;

namespace RedProperty.Iot.Hub.Desk;

/// <summary>The <c>SignalR</c> section: scale-out over Redis.</summary>
public sealed class SignalROptions : IValidatableObject
{
    public const string Section = "SignalR";

    /// <summary>Redis connection string (StackExchange.Redis syntax: <c>host:6379,user=…,password=…,ssl=true</c>); none: one instance.</summary>
    public string? Redis { get; set; }

    /// <summary>Base64 of at least 32 random bytes, the same on every instance: signs alert commands forwarded over Redis.</summary>
    public string? CommandKey { get; set; }

    public byte[] CommandKeyBytes => Convert.FromBase64String(CommandKey ?? string.Empty);

    public bool HasValidCommandKey()
    {
        var buffer = new byte[((CommandKey?.Length ?? 0) * 3 / 4) + 3];
        return Convert.TryFromBase64String(CommandKey ?? string.Empty, buffer, out var length) && length >= 32;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Whoever can publish on Redis could otherwise act on any site's alerts in anyone's name.
        if (!string.IsNullOrEmpty(Redis) && !HasValidCommandKey())
        {
            yield return new ValidationResult("SignalR:CommandKey must be set when SignalR:Redis is: base64 of at least 32 random bytes (openssl rand -base64 32), the same on every instance", [nameof(CommandKey)]);
        }
    }
}

[OptionsValidator]
public sealed partial class SignalROptionsValidator : IValidateOptions<SignalROptions>;

public static class DeskSetup
{
    /// <summary>
    /// SignalR for the property desk, with its hub filter and broadcasters. With <c>SignalR:Redis</c>
    /// several hub instances share one desk: the Redis backplane carries each instance's pushes to the
    /// desks connected to the others, and operator actions on another instance's alerts are forwarded.
    /// </summary>
    public static IServiceCollection AddDesk(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCheckedOptions<SignalROptions, SignalROptionsValidator>(SignalROptions.Section);
        var signalR = services.AddSignalR(o => o.AddFilter<DeskHubFilter>());
        if (configuration[$"{SignalROptions.Section}:Redis"] is { Length: > 0 } redis)
        {
            signalR.AddStackExchangeRedis(redis, o => o.Configuration.ChannelPrefix = RedisChannel.Literal("rp-desk"));
            services.AddSingleton<IConnectionMultiplexer>(sp =>
            {
                // The command key is checked before anything is said over Redis.
                _ = sp.GetRequiredService<IOptions<SignalROptions>>().Value;
                return ConnectionMultiplexer.Connect(redis);
            });
            services.AddSingleton<AlertCommandBus>();
            services.AddSingleton<DeskFeedRelay>();
            services.AddHostedService(sp => sp.GetRequiredService<AlertCommandBus>());
        }

        services.AddSingleton<DeskHistory>();
        services.AddSingleton<DeskBroadcaster>();
        services.AddHostedService(sp => sp.GetRequiredService<DeskBroadcaster>());
        services.AddHostedService<ElevatorBroadcaster>();
        services.AddSingleton<DeskSessionWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<DeskSessionWatch>());
        return services;
    }

    /// <summary>The desk's SignalR hub on <c>/hubs/desk</c>.</summary>
    public static IEndpointRouteBuilder MapDesk(this IEndpointRouteBuilder app)
    {
        // A desk whose login expires is disconnected, so it cannot keep watching on an expired session.
        app.MapHub<DeskHub>("/hubs/desk", o => o.CloseOnAuthenticationExpiration = true);
        return app;
    }
}
