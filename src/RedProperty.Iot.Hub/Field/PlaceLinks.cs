using Microsoft.Extensions.Options;

namespace RedProperty.Iot.Hub.Field;

/// <summary>A place as staff see it, with the two links its sticker carries.</summary>
public sealed record PlaceView(string Id, string Name, string Zone, string ZoneName, string ArrivalUrl, string ResidentUrl);

/// <summary>
/// The links printed on a place's sticker: <c>/m/arrive/{token}</c> for staff proving arrival and
/// <c>/r/{token}</c> for residents, under <c>Field:PublicUrl</c> or the address the request came in at.
/// </summary>
public sealed class PlaceLinks(PlaceStickers stickers, IOptions<FieldOptions> options)
{
    public const string ArrivalPath = "/m/arrive/";
    public const string ResidentPath = "/r/";

    /// <summary>Where a resident follows their report.</summary>
    public const string TrackingPath = "/r/t/";

    public IReadOnlyList<PlaceView> ViewsOf(Site site, HttpRequest request)
    {
        var root = Root(request);
        return site.Places.Values
            .OrderBy(p => p.Zone, StringComparer.Ordinal)
            .ThenBy(p => p.IsZone ? 0 : 1)
            .ThenBy(p => p.Id, StringComparer.Ordinal)
            .Select(p => new PlaceView(
                p.Id,
                p.Name,
                p.Zone,
                site.Zones.TryGetValue(p.Zone, out var zone) ? zone.Name : p.Zone,
                root + ArrivalPath + stickers.TokenFor(StickerPurpose.Arrival, site.Id, p),
                root + ResidentPath + stickers.TokenFor(StickerPurpose.Resident, site.Id, p)))
            .ToArray();
    }

    /// <summary>The address links are printed and given under.</summary>
    public string Root(HttpRequest request) =>
        string.IsNullOrEmpty(options.Value.PublicUrl)
            ? $"{request.Scheme}://{request.Host}{request.PathBase}"
            : options.Value.PublicUrl.TrimEnd('/');
}
