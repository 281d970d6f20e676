namespace RedProperty.Iot.Domain.Contract;

/// <summary>A parsed <c>rp/{site}/{kind}/{deviceId}/{channel}</c> topic.</summary>
public readonly record struct DeviceTopic(string Site, DeviceKind Kind, string DeviceId, DeviceChannel Channel)
{
    public const string Root = "rp";

    public const int MaxSiteLength = 32;

    public const int MaxDeviceIdLength = 64;

    public override string ToString() => Format(Site, Kind, DeviceId, Channel);

    public static string Format(string site, DeviceKind kind, string deviceId, DeviceChannel channel) =>
        $"{Root}/{site}/{kind.ToWire()}/{deviceId}/{channel.ToWire()}";

    /// <summary>Parses a topic; on failure says why without throwing (topics come from untrusted devices).</summary>
    public static bool TryParse(string topic, out DeviceTopic parsed, out Rejection rejection)
    {
        parsed = default;
        ReadOnlySpan<char> rest = topic;
        Span<Range> parts = stackalloc Range[6];
        var count = rest.Split(parts, '/');
        if (count != 5 || !rest[parts[0]].SequenceEqual(Root))
        {
            rejection = new(RejectionReason.MalformedTopic, "expected rp/{site}/{kind}/{deviceId}/{channel}");
            return false;
        }

        var site = rest[parts[1]];
        if (!IsSiteId(site))
        {
            rejection = new(RejectionReason.InvalidSite, "site must match [a-z0-9-]{1,32}");
            return false;
        }

        if (!DeviceKinds.TryParse(rest[parts[2]], out var kind))
        {
            rejection = new(RejectionReason.UnknownKind, "kind must be camera, light, elevator or charger");
            return false;
        }

        var deviceId = rest[parts[3]];
        if (!IsDeviceId(deviceId))
        {
            rejection = new(RejectionReason.InvalidDeviceId, "device id must match [A-Za-z0-9_-]{1,64}");
            return false;
        }

        if (!DeviceChannels.TryParse(rest[parts[4]], out var channel))
        {
            rejection = new(RejectionReason.UnknownChannel, "channel must be telemetry, event, status or cmd");
            return false;
        }

        parsed = new DeviceTopic(site.ToString(), kind, deviceId.ToString(), channel);
        rejection = default;
        return true;
    }

    public static bool IsSiteId(ReadOnlySpan<char> site)
    {
        if (site.IsEmpty || site.Length > MaxSiteLength)
        {
            return false;
        }

        foreach (var c in site)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsDeviceId(ReadOnlySpan<char> deviceId)
    {
        if (deviceId.IsEmpty || deviceId.Length > MaxDeviceIdLength)
        {
            return false;
        }

        foreach (var c in deviceId)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-'))
            {
                return false;
            }
        }

        return true;
    }
}
