using Microsoft.AspNetCore.StaticFiles;

namespace RedProperty.Iot.Hub.Desk;

/// <summary>
/// The property desk screen at <c>/</c>: static pages and scripts from <c>wwwroot</c> (nothing from the
/// internet: edge boxes are often offline), the login page for anyone else, and the security headers.
/// </summary>
public static class DeskScreen
{
    public const string LoginPage = "/login.html";

    /// <summary>The supervisors' monthly service-quality report.</summary>
    public const string ReportPage = "/report.html";

    /// <summary>Staff accounts (supervisors) and changing one's own password (everyone).</summary>
    public const string StaffPage = "/staff.html";

    /// <summary>The printable sheet of a site's place stickers.</summary>
    public const string StickerSheetPage = "/stickers.html";

    /// <summary>Scripts, styles and images only from the hub itself; no inline script, no framing.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; " +
        "connect-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            headers.CacheControl = "no-store";
        }

        return next(context);
    });

    /// <summary>The board and the report page for signed-in staff; everyone else is sent to the login page.</summary>
    public static IApplicationBuilder UseDeskScreen(this IApplicationBuilder app)
    {
        app.Use((context, next) =>
        {
            var path = context.Request.Path;
            if ((HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
                && context.User.Identity?.IsAuthenticated != true)
            {
                if (path == "/" || path == "/index.html")
                {
                    context.Response.Redirect(LoginPage + context.Request.QueryString);
                    return Task.CompletedTask;
                }

                if (path == ReportPage || path == StaffPage || path == StickerSheetPage || path.StartsWithSegments("/m"))
                {
                    context.Response.Redirect($"{LoginPage}?next={Uri.EscapeDataString(path + context.Request.QueryString)}");
                    return Task.CompletedTask;
                }
            }

            return next(context);
        });

        app.UseDefaultFiles();
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".webmanifest"] = "application/manifest+json";
        app.UseStaticFiles(new StaticFileOptions
        {
            ContentTypeProvider = types,
            // Revalidate every time (ETag): after an upgrade of the hub the screen picks up the new scripts.
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "no-cache",
        });
        return app;
    }
}
