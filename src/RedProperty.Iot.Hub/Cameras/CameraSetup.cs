using System.Security.Claims;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Configuration;
using RedProperty.Iot.Hub.Staff;

namespace RedProperty.Iot.Hub.Cameras;

public static class CameraSetup
{
    /// <summary>Snapshots and clips for alerts, stream checks, the evidence store and its endpoint.</summary>
    public static IServiceCollection AddCameras(this IServiceCollection services)
    {
        services.AddCheckedOptions<CameraOptions, CameraOptionsValidator>(CameraOptions.Section);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<CameraOptions>>().Value);
        services.AddSingleton<CameraGrabber>();
        services.AddSingleton(sp => new EvidenceFiles(Path.Combine(sp.GetRequiredService<IOptions<HubOptions>>().Value.DataDir, "evidence")));
        services.AddSingleton<CameraEvidenceService>();
        services.AddHostedService(sp => sp.GetRequiredService<CameraEvidenceService>());
        services.AddHostedService<CameraHealthService>();
        return services;
    }

    /// <summary><c>GET /api/evidence/{site}/{day}/{file}</c>: only for staff of that site.</summary>
    public static IEndpointRouteBuilder MapEvidenceEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/evidence/{site}/{day}/{file}", (string site, string day, string file, ClaimsPrincipal user, EvidenceFiles files) =>
            {
                if (!user.CanSee(site))
                {
                    return SiteAccess.NotYourSite(site);
                }

                var path = files.Resolve(site, day, file);
                if (path is null || !File.Exists(path))
                {
                    return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such evidence", detail: "The file does not exist or was removed by the retention policy.");
                }

                return Results.File(path, file.EndsWith(".mp4", StringComparison.Ordinal) ? "video/mp4" : "image/jpeg", enableRangeProcessing: true);
            })
            .RequireAuthorization()
            .WithTags("Alerts")
            .WithSummary("A camera snapshot or clip attached to an alert (the URLs are in the alert's snapshotUrl and clipUrl).");
        return app;
    }
}
