using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace RedProperty.Iot.Hub.Field;

/// <summary>What a sticker's link is for: a worker proving arrival, or a resident reporting a problem.</summary>
public enum StickerPurpose
{
    Arrival,
    Resident,
}

public enum StickerCheck
{
    Valid,

    /// <summary>Not a sticker token at all.</summary>
    Malformed,

    /// <summary>Well formed, but not signed with this hub's sticker key (for this purpose).</summary>
    Forged,

    /// <summary>Signed by this hub for a site or place the registry no longer has.</summary>
    UnknownPlace,

    /// <summary>Signed by this hub for a place that has since moved to another zone.</summary>
    Moved,
}

/// <summary>A sticker token read back: the place it names, or why it is refused.</summary>
public readonly record struct StickerReading(StickerCheck Check, Site? Site = null, Place? Place = null, string? Problem = null)
{
    public bool IsValid => Check == StickerCheck.Valid;
}

/// <summary>
/// The tokens in the QR stickers posted at places: the site, zone and place in the clear and an HMAC-SHA256 over
/// them and the sticker's purpose, so that a token cannot be made or edited to name another place without the
/// key, and a resident's link (shared freely) does not prove a worker's arrival. Tokens do not expire: a printed
/// sticker hangs for years. A new key (or a place moved to another zone) makes the old stickers invalid.
/// </summary>
public sealed class PlaceStickers
{
    public const int MaxTokenLength = 1024;

    // 128 bits of the MAC are kept: enough against forgery, short enough for a small QR code.
    private const int MacBytes = 16;

    private readonly byte[] _key;
    private readonly DeviceRegistry _registry;

    public PlaceStickers(byte[] key, DeviceRegistry registry)
    {
        if (key.Length < FieldOptions.MinStickerKeyBytes)
        {
            throw new ArgumentException($"A sticker key has at least {FieldOptions.MinStickerKeyBytes} bytes.", nameof(key));
        }

        _key = key;
        _registry = registry;
    }

    public string TokenFor(StickerPurpose purpose, string site, Place place)
    {
        var payload = Encoding.UTF8.GetBytes($"{site}\n{place.Zone}\n{place.Id}");
        return $"{Base64Url.EncodeToString(payload)}.{Base64Url.EncodeToString(Mac(purpose, payload))}";
    }

    public StickerReading Read(StickerPurpose purpose, string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength || token.Split('.') is not [var payloadText, var macText])
        {
            return Refused(StickerCheck.Malformed, "This is not the link of a place sticker.");
        }

        byte[] payload, mac;
        try
        {
            payload = Base64Url.DecodeFromChars(payloadText);
            mac = Base64Url.DecodeFromChars(macText);
        }
        catch (FormatException)
        {
            return Refused(StickerCheck.Malformed, "This is not the link of a place sticker.");
        }

        if (mac.Length != MacBytes || !CryptographicOperations.FixedTimeEquals(mac, Mac(purpose, payload)))
        {
            return Refused(StickerCheck.Forged, purpose == StickerPurpose.Arrival
                ? "This sticker link was not printed by this hub for staff arrivals (a resident's link, a changed link, or stickers printed before the hub's sticker key changed)."
                : "This sticker link was not printed by this hub (a changed link, or stickers printed before the hub's sticker key changed).");
        }

        if (Encoding.UTF8.GetString(payload).Split('\n') is not [var siteId, var zoneId, var placeId])
        {
            return Refused(StickerCheck.Malformed, "This is not the link of a place sticker.");
        }

        if (!_registry.SitesById.TryGetValue(siteId, out var site) || !site.Places.TryGetValue(placeId, out var place))
        {
            return Refused(StickerCheck.UnknownPlace, $"The sticker names place '{placeId}' of site '{siteId}', which the registry no longer has: print new stickers.");
        }

        return place.Zone != zoneId
            ? Refused(StickerCheck.Moved, $"The sticker was printed for {place.Name} in zone '{zoneId}'; the place is now in zone '{place.Zone}': print new stickers.")
            : new StickerReading(StickerCheck.Valid, site, place);
    }

    private byte[] Mac(StickerPurpose purpose, byte[] payload)
    {
        var label = purpose == StickerPurpose.Arrival ? "rp-sticker:v1:arrival\n"u8 : "rp-sticker:v1:resident\n"u8;
        var message = new byte[label.Length + payload.Length];
        label.CopyTo(message);
        payload.CopyTo(message.AsSpan(label.Length));
        return HMACSHA256.HashData(_key, message)[..MacBytes];
    }

    private static StickerReading Refused(StickerCheck check, string problem) => new(check, Problem: problem);
}
