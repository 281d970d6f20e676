using RedProperty.Iot.Hub.Configuration;

namespace RedProperty.Iot.Hub.Staff;

public static class StaffSetup
{
    /// <summary>The <c>Staff</c> options (checked at start), sessions, logins and their throttling.</summary>
    public static IServiceCollection AddStaffAccounts(this IServiceCollection services)
    {
        services.AddOptions<StaffOptions>().BindConfiguration(StaffOptions.Section)
            .Validate(o => o.SessionCheck >= TimeSpan.FromSeconds(1) && o.SessionCheck <= TimeSpan.FromMinutes(5), "Staff:SessionCheck must be from 00:00:01 to 00:05:00")
            .Validate(o => o.Login.MaxConcurrentHashes is >= 1 and <= 64, "Staff:Login:MaxConcurrentHashes must be from 1 to 64")
            .Validate(o => o.Login.HashQueue is >= 0 and <= 1000, "Staff:Login:HashQueue must be from 0 to 1000")
            .Validate(o => o.Login.AttemptsPerMinute is >= 1 and <= 6000, "Staff:Login:AttemptsPerMinute must be from 1 to 6000")
            .Validate(o => o.Login.FreeFailures >= 1, "Staff:Login:FreeFailures must be 1 or more")
            .Validate(o => o.Login.AddressFreeFailures >= 1, "Staff:Login:AddressFreeFailures must be 1 or more")
            .Validate(o => o.Login.UserFreeFailures >= 1, "Staff:Login:UserFreeFailures must be 1 or more")
            .Validate(o => o.Login.UserAddresses >= 2, "Staff:Login:UserAddresses must be 2 or more (one address alone never slows a user down everywhere)")
            .Validate(o => o.Login.MaxDelay >= TimeSpan.FromSeconds(1) && o.Login.MaxDelay <= TimeSpan.FromDays(1), "Staff:Login:MaxDelay must be from 00:00:01 to 1.00:00:00")
            .Validate(o => o.Login.UsualAddressDays >= 0, "Staff:Login:UsualAddressDays must be 0 or more")
            .ValidateOnStart();
        services.AddSingleton<StaffSessions>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<StaffLogins>();
        services.AddStaffRateLimits();
        return services;
    }
}
