using System.Security.Claims;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Desk;
using RedProperty.Iot.Hub.Staff;
using RedProperty.Iot.Hub.Views;

namespace RedProperty.Iot.Hub.Field;

/// <summary>A sticker a worker opened: the place it names and the open alerts there.</summary>
public sealed record StickerPlaceView(string Site, string SiteName, string Place, string PlaceName, string Zone, string ZoneName, IReadOnlyList<AlertView> OpenAlerts);

/// <summary>The places of a site with their sticker links, the printable sticker sheet, and what a staff sticker opens.</summary>
public static class PlaceEndpoints
{
    public static IEndpointRouteBuilder MapPlaceEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/places", (string? site, ClaimsPrincipal user, DeviceRegistry registry, PlaceLinks links, HttpRequest request) =>
                FindSite(site, user, registry, out var found) ?? Results.Ok(links.ViewsOf(found, request)))
            .RequireAuthorization()
            .WithTags("Field")
            .WithSummary("Every place of a site (each zone, and the places the registry names within zones) with its sticker links: arrivalUrl for staff, residentUrl for residents.");

        app.MapGet("/api/places/sticker/{token}", (string token, ClaimsPrincipal user, PlaceStickers stickers, DeviceRegistry registry, AlertService alerts) =>
            {
                var sticker = stickers.Read(StickerPurpose.Arrival, token);
                if (!sticker.IsValid)
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["token"] = [sticker.Problem!] });
                }

                var site = sticker.Site!;
                var place = sticker.Place!;
                if (!user.CanSee(site.Id))
                {
                    return SiteAccess.NotYourSite(site.Id);
                }

                var here = alerts.OpenAlerts([site.Id]).Where(a => a.Place == place.Id).OrderBy(a => a.RaisedAt).ToArray();
                return Results.Ok(new StickerPlaceView(site.Id, site.Name, place.Id, place.Name, place.Zone, site.Zones.TryGetValue(place.Zone, out var zone) ? zone.Name : place.Zone, here));
            })
            .RequireAuthorization()
            .WithTags("Field")
            .WithSummary("The place a staff sticker names and the open alerts there (what the sticker's link shows a worker).");

        app.MapGet(DeskScreen.StickerSheetPage, (string? site, ClaimsPrincipal user, DeviceRegistry registry, PlaceLinks links, HttpRequest request) =>
                FindSite(site, user, registry, out var found)
                    ?? Results.Content(StickerSheet.Render(found, links.ViewsOf(found, request)), "text/html; charset=utf-8"))
            .RequireAuthorization()
            .ExcludeFromDescription();

        // The staff sticker's link: a page that shows the place and lets the worker record their arrival.
        app.MapGet(PlaceLinks.ArrivalPath + "{token}", (IWebHostEnvironment environment) => FieldPages.Page(environment, "m/arrive.html"))
            .RequireAuthorization()
            .ExcludeFromDescription();
        return app;
    }

    private static IResult? FindSite(string? site, ClaimsPrincipal user, DeviceRegistry registry, out Site found)
    {
        found = null!;
        if (string.IsNullOrEmpty(site))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["site"] = ["required: the site whose places are wanted"] });
        }

        if (!registry.SitesById.TryGetValue(site, out var known))
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such site", detail: $"The registry has no site '{site}'.");
        }

        if (!user.CanSee(site))
        {
            return SiteAccess.NotYourSite(site);
        }

        found = known;
        return null;
    }

}
