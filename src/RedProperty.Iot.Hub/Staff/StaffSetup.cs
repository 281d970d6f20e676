using RedProperty.Iot.Hub.Configuration;

namespace RedProperty.Iot.Hub.Staff;

public static class StaffSetup
{
    /// <summary>
    /// Staff accounts (in hub.db), their logins, sessions and throttling, cookie and bearer-token
    /// authentication with the role policies, anti-forgery, and the first administrator.
    /// </summary>
    public static IServiceCollection AddStaff(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCheckedOptions<StaffOptions, StaffOptionsValidator>(StaffOptions.Section);
        services.AddStaffAuthentication(configuration[$"{HubOptions.Section}:DataDir"] ?? new HubOptions().DataDir);
        services.AddStaffAntiforgery();
        services.AddSingleton<StaffDirectory>();
        services.AddSingleton<StaffSessions>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<StaffLogins>();
        services.AddStaffRateLimits();
        services.AddHostedService<StaffBootstrap>();
        return services;
    }
}
