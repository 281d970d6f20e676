using System.Security.Claims;
using RedProperty.Iot.Hub.Staff;

namespace RedProperty.Iot.Hub.Api;

public sealed record ZoneView(string Id, string Name, string Type);

/// <summary>A compound as staff see it: names for the screen and the time zone its times are shown in (IANA id).</summary>
public sealed record SiteView(string Id, string Name, string TimeZone, double? Latitude, double? Longitude, string? Company, IReadOnlyList<ZoneView> Zones);

public static class SiteEndpoints
{
    public static IEndpointRouteBuilder MapSiteEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/sites", (DeviceRegistry registry, ClaimsPrincipal user) =>
                registry.Sites.Where(s => user.CanSee(s.Id)).Select(View))
            .RequireAuthorization()
            .WithTags("Devices")
            .WithSummary("The sites the signed-in account covers, with their zones and time zones.");
        return app;
    }

    private static SiteView View(Site site) => new(
        site.Id,
        site.Name,
        IanaId(site.TimeZone),
        site.Latitude,
        site.Longitude,
        site.Company,
        site.Zones.Values.OrderBy(z => z.Id, StringComparer.Ordinal).Select(z => new ZoneView(z.Id, z.Name, z.Type)).ToArray());

    private static string IanaId(TimeZoneInfo zone) =>
        zone.HasIanaId ? zone.Id : TimeZoneInfo.TryConvertWindowsIdToIanaId(zone.Id, out var iana) ? iana : "UTC";
}
