using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;

namespace RedProperty.Iot.Hub.Staff;

/// <summary>
/// Cookie login for the desk screen, bearer tokens for API and SignalR clients, and the role policies. A cookie or
/// token whose account was disabled or changed since it was issued (security stamp) is refused.
/// </summary>
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

        services.AddSingleton<Microsoft.AspNetCore.Authentication.IClaimsTransformation, CompanySites>();
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
                // A cookie of an account since disabled or changed (password, role, sites) is refused and removed.
                o.Events.OnValidatePrincipal = async context =>
                {
                    var sessions = context.HttpContext.RequestServices.GetRequiredService<StaffSessions>();
                    if (!await sessions.IsCurrentAsync(context.Principal, context.HttpContext.RequestAborted).ConfigureAwait(false))
                    {
                        context.RejectPrincipal();
                        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
                    }
                };
            })
            .AddBearerToken(o =>
            {
                o.BearerTokenExpiration = TokenLifetime;
                o.Events.OnMessageReceived = ValidateBearerTokenAsync;
            });

        services.AddAuthorizationBuilder()
            .AddPolicy(OperatorPolicy, p => p.RequireAuthenticatedUser().RequireRole(StaffRole.Operator.ToWire(), StaffRole.Supervisor.ToWire()))
            .AddPolicy(SupervisorPolicy, p => p.RequireAuthenticatedUser().RequireRole(StaffRole.Supervisor.ToWire()));
        return services;
    }

    /// <summary>
    /// The bearer handler has no event after reading a token, so the token is read here: one of an account
    /// since disabled or changed fails; a good one is handed back as the result (read once, not twice).
    /// </summary>
    private static async Task ValidateBearerTokenAsync(MessageReceivedContext context)
    {
        var request = context.Request;
        // Browsers cannot set headers on WebSockets: SignalR sends the token as a query parameter.
        var token = request.Path.StartsWithSegments("/hubs") && request.Query["access_token"].ToString() is { Length: > 0 } query
            ? query
            : request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                ? header["Bearer ".Length..].Trim()
                : null;
        if (string.IsNullOrEmpty(token))
        {
            return;
        }

        context.Token = token;
        var ticket = context.Options.BearerTokenProtector.Unprotect(token);
        var now = (context.Options.TimeProvider ?? TimeProvider.System).GetUtcNow();
        if (ticket?.Properties.ExpiresUtc is not { } expires || now >= expires)
        {
            // Unreadable or expired: the handler refuses it as usual.
            return;
        }

        var sessions = context.HttpContext.RequestServices.GetRequiredService<StaffSessions>();
        if (!await sessions.IsCurrentAsync(ticket.Principal, context.HttpContext.RequestAborted).ConfigureAwait(false))
        {
            context.Fail("The account was disabled or changed since the token was issued");
            return;
        }

        context.Principal = ticket.Principal;
        context.Properties = ticket.Properties;
        context.Success();
    }

    private static Task Status(HttpResponse response, int status)
    {
        response.StatusCode = status;
        return Task.CompletedTask;
    }
}
