using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;

namespace RedProperty.Iot.Hub.Staff;

/// <summary>Cookie login for the desk screen, bearer tokens for API and SignalR clients, and the role policies.</summary>
public static class StaffAuthentication
{
    public const string Scheme = "staff";
    public const string OperatorPolicy = "operator";
    public const string SupervisorPolicy = "supervisor";

    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(12);

    public static IServiceCollection AddStaffAuthentication(this IServiceCollection services, string dataDir)
    {
        // Keys on disk, so tokens and cookies survive a restart of the hub.
        services.AddDataProtection()
            .SetApplicationName("RedProperty.Iot.Hub")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDir, "keys")));

        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "cookie or bearer token", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                || context.Request.Query.ContainsKey("access_token")
                    ? BearerTokenDefaults.AuthenticationScheme
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = "rp_desk";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TokenLifetime;
                o.SlidingExpiration = true;
                // An API answers 401/403; it does not redirect to a login page.
                o.Events.OnRedirectToLogin = context => Status(context.Response, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = context => Status(context.Response, StatusCodes.Status403Forbidden);
            })
            .AddBearerToken(o =>
            {
                o.BearerTokenExpiration = TokenLifetime;
                o.Events.OnMessageReceived = context =>
                {
                    // Browsers cannot set headers on WebSockets: SignalR sends the token as a query parameter.
                    if (context.Request.Path.StartsWithSegments("/hubs") && context.Request.Query["access_token"].ToString() is { Length: > 0 } token)
                    {
                        context.Token = token;
                    }

                    return Task.CompletedTask;
                };
            });

        services.AddAuthorizationBuilder()
            .AddPolicy(OperatorPolicy, p => p.RequireAuthenticatedUser().RequireRole(StaffRole.Operator.ToWire(), StaffRole.Supervisor.ToWire()))
            .AddPolicy(SupervisorPolicy, p => p.RequireAuthenticatedUser().RequireRole(StaffRole.Supervisor.ToWire()));
        return services;
    }

    private static Task Status(HttpResponse response, int status)
    {
        response.StatusCode = status;
        return Task.CompletedTask;
    }
}
