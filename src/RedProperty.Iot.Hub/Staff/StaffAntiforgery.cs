using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace RedProperty.Iot.Hub.Staff;

/// <summary>
/// Anti-forgery for the cookie session: a state-changing request that a browser would send with the
/// login cookie must carry the token from <c>GET /api/auth/antiforgery</c> in <see cref="HeaderName"/>.
/// Bearer-token clients are not exposed to cross-site requests and need no token.
/// </summary>
public static partial class StaffAntiforgery
{
    public const string HeaderName = "X-CSRF-TOKEN";

    public static IServiceCollection AddStaffAntiforgery(this IServiceCollection services) => services.AddAntiforgery(o =>
    {
        o.HeaderName = HeaderName;
        o.Cookie.Name = "rp_csrf";
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = SameSiteMode.Strict;
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
    });

    public static IApplicationBuilder UseStaffAntiforgery(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (NeedsToken(context))
        {
            var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
            try
            {
                await antiforgery.ValidateRequestAsync(context).ConfigureAwait(false);
            }
            catch (AntiforgeryValidationException e)
            {
                LogRefused(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StaffAntiforgery)), context.Request.Path.Value ?? string.Empty, e.Message);
                await Results.Problem(
                        statusCode: StatusCodes.Status400BadRequest,
                        title: "Anti-forgery token missing or invalid",
                        detail: $"Send the token from GET /api/auth/antiforgery in the {HeaderName} header, or use a bearer token.")
                    .ExecuteAsync(context).ConfigureAwait(false);
                return;
            }
        }

        await next(context).ConfigureAwait(false);
    });

    public static IEndpointRouteBuilder MapAntiforgeryEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/auth/antiforgery", (HttpContext http, IAntiforgery antiforgery) =>
                Results.Ok(new AntiforgeryTokenView(antiforgery.GetAndStoreTokens(http).RequestToken!, HeaderName)))
            .WithTags("Staff")
            .WithSummary("An anti-forgery token for cookie sessions (fetch it again after logging in).");
        return app;
    }

    /// <summary>Cookie-authenticated state changes under /api, and the login/logout forms themselves.</summary>
    private static bool NeedsToken(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
            || !request.Path.StartsWithSegments("/api")
            || request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return context.User.Identity?.AuthenticationType == CookieAuthenticationDefaults.AuthenticationScheme
            || request.Path.StartsWithSegments("/api/auth/login")
            || request.Path.StartsWithSegments("/api/auth/logout");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Path}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string path, string reason);
}

public sealed record AntiforgeryTokenView(string Token, string HeaderName);
