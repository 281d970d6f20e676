using System.Globalization;
using RedProperty.Iot.Domain.Contract;

namespace RedProperty.Iot.Domain.Registry;

/// <summary>The outcome of an import: the registry, or every problem found, each naming its entry.</summary>
public sealed record RegistryImportResult(DeviceRegistry? Registry, IReadOnlyList<string> Errors)
{
    public bool IsSuccess => Registry is not null;
}

/// <summary>
/// Turns a registry document into the hub's registry: validates every entry and replaces plain
/// secrets by salted hashes. Values line protocol cannot carry are refused here, by entry.
/// </summary>
public static class RegistryImporter
{
    public const int MaxNameLength = 128;

    /// <param name="thresholds">Checks the alert thresholds entries override (the alert settings, <c>AlertThresholds.Defaults</c>).</param>
    public static RegistryImportResult Parse(ReadOnlySpan<byte> json, Func<string, string> hashSecret, IThresholdValidator thresholds)
    {
        var document = RegistryJson.Deserialize(json, out var error);
        if (error is not null)
        {
            return new(null, [error]);
        }

        return document is null ? new(null, ["registry is empty"]) : Import(document, hashSecret, thresholds);
    }

    public static RegistryImportResult Import(RegistryDocument document, Func<string, string> hashSecret, IThresholdValidator thresholds)
    {
        var errors = new List<string>();
        var sites = new List<Site>();
        var siteIds = new HashSet<string>(StringComparer.Ordinal);
        if (document.Sites is null)
        {
            errors.Add("registry: \"sites\" is missing");
            return new(null, errors);
        }

        for (var s = 0; s < document.Sites.Count; s++)
        {
            var entry = document.Sites[s];
            var path = $"sites[{s}]";
            if (entry.Id is null || !DeviceTopic.IsSiteId(entry.Id))
            {
                errors.Add($"{path}: id '{entry.Id}' must match [a-z0-9-]{{1,32}}");
                continue;
            }

            path = $"{path} ({entry.Id})";
            if (!siteIds.Add(entry.Id))
            {
                errors.Add($"{path}: site id is used twice");
                continue;
            }

            var timeZone = ResolveTimeZone(entry.TimeZone, path, errors);
            CheckCoordinate(entry.Latitude, -90, 90, $"{path}.latitude", errors);
            CheckCoordinate(entry.Longitude, -180, 180, $"{path}.longitude", errors);
            CheckText(entry.Name, $"{path}.name", errors);
            CheckText(entry.Company, $"{path}.company", errors);

            var zones = ImportZones(entry, path, thresholds, errors);
            var places = ImportPlaces(entry, zones, path, errors);
            var devices = ImportDevices(entry, zones, places, path, hashSecret, thresholds, errors);
            CheckThresholds(thresholds, entry.Thresholds, $"{path}.thresholds", errors);
            sites.Add(new Site(entry.Id, entry.Name ?? entry.Id, timeZone, entry.Latitude, entry.Longitude, zones, devices)
            {
                Thresholds = entry.Thresholds ?? [],
                DeclaredPlaces = places.Values.ToArray(),
                Company = string.IsNullOrWhiteSpace(entry.Company) ? null : entry.Company.Trim(),
            });
        }

        return errors.Count > 0 ? new(null, errors) : new(new DeviceRegistry(sites), errors);
    }

    /// <summary>Writes a registry back as a document holding hashes only (the hub's kept copy).</summary>
    public static RegistryDocument ToDocument(DeviceRegistry registry) => new()
    {
        Sites = registry.Sites.Select(site => new SiteEntry
        {
            Id = site.Id,
            Name = site.Name,
            Company = site.Company,
            TimeZone = site.TimeZone.Id,
            Latitude = site.Latitude,
            Longitude = site.Longitude,
            Thresholds = site.Thresholds.Count > 0 ? site.Thresholds.ToDictionary() : null,
            Zones = site.Zones.Values.Select(z => new ZoneEntry { Id = z.Id, Name = z.Name, Type = z.Type, Thresholds = z.Thresholds.Count > 0 ? z.Thresholds.ToDictionary() : null }).ToList(),
            Places = site.DeclaredPlaces.Count > 0 ? site.DeclaredPlaces.Select(p => new PlaceEntry { Id = p.Id, Name = p.Name, Zone = p.Zone }).ToList() : null,
            Devices = site.Devices.Values.Select(d => new DeviceEntry
            {
                Id = d.Id,
                Kind = d.Kind.ToWire(),
                Zone = d.Zone,
                Location = d.Location,
                Place = d.Place == d.Zone ? null : d.Place,
                SecretHash = d.SecretHash,
                IntervalS = d.IntervalS,
                StreamUrl = d.StreamUrl,
                Circuit = d.Circuit?.ToWire(),
                Thresholds = d.Thresholds.Count > 0 ? d.Thresholds.ToDictionary() : null,
            }).ToList(),
        }).ToList(),
    };

    private static Dictionary<string, Zone> ImportZones(SiteEntry site, string sitePath, IThresholdValidator thresholds, List<string> errors)
    {
        var zones = new Dictionary<string, Zone>(StringComparer.Ordinal);
        var entries = site.Zones ?? [];
        for (var z = 0; z < entries.Count; z++)
        {
            var entry = entries[z];
            var path = $"{sitePath}.zones[{z}]";
            if (!IsTagSafe(entry.Id, 64))
            {
                errors.Add($"{path}: id '{entry.Id}' must be 1-64 characters without control characters and must not end with a backslash");
                continue;
            }

            path = $"{path} ({entry.Id})";
            var type = entry.Type ?? "area";
            if (type.Length is 0 or > 32 || !type.All(c => char.IsAsciiLetterLower(c) || c == '-'))
            {
                errors.Add($"{path}: type '{type}' must match [a-z-]{{1,32}}, e.g. area or elevator-car");
                continue;
            }

            CheckText(entry.Name, $"{path}.name", errors);
            CheckThresholds(thresholds, entry.Thresholds, $"{path}.thresholds", errors);
            if (!zones.TryAdd(entry.Id!, new Zone(entry.Id!, entry.Name ?? entry.Id!, type) { Thresholds = entry.Thresholds ?? [] }))
            {
                errors.Add($"{path}: zone id is used twice in the site");
            }
        }

        return zones;
    }

    /// <summary>The declared places, in the registry's order (a zone's own place is implied, not declared).</summary>
    private static Dictionary<string, Place> ImportPlaces(SiteEntry site, Dictionary<string, Zone> zones, string sitePath, List<string> errors)
    {
        var places = new Dictionary<string, Place>(StringComparer.Ordinal);
        var entries = site.Places ?? [];
        for (var p = 0; p < entries.Count; p++)
        {
            var entry = entries[p];
            var path = $"{sitePath}.places[{p}]";
            if (!IsTagSafe(entry.Id, 64))
            {
                errors.Add($"{path}: id '{entry.Id}' must be 1-64 characters without control characters and must not end with a backslash");
                continue;
            }

            path = $"{path} ({entry.Id})";
            if (zones.ContainsKey(entry.Id!))
            {
                errors.Add($"{path}: '{entry.Id}' is the id of a zone, and every zone is already a place of its own; give the place another id");
                continue;
            }

            if (entry.Zone is null || !zones.ContainsKey(entry.Zone))
            {
                errors.Add($"{path}: zone '{entry.Zone}' is not a zone of site '{site.Id}'");
                continue;
            }

            CheckText(entry.Name, $"{path}.name", errors);
            if (!places.TryAdd(entry.Id!, new Place(entry.Id!, entry.Name ?? entry.Id!, entry.Zone)))
            {
                errors.Add($"{path}: place id is used twice in the site");
            }
        }

        return places;
    }

    private static Dictionary<string, Device> ImportDevices(
        SiteEntry site, Dictionary<string, Zone> zones, Dictionary<string, Place> places, string sitePath, Func<string, string> hashSecret, IThresholdValidator thresholds, List<string> errors)
    {
        var devices = new Dictionary<string, Device>(StringComparer.Ordinal);
        var entries = site.Devices ?? [];
        for (var d = 0; d < entries.Count; d++)
        {
            var entry = entries[d];
            var path = $"{sitePath}.devices[{d}]";
            if (entry.Id is null || !DeviceTopic.IsDeviceId(entry.Id))
            {
                errors.Add($"{path}: id '{entry.Id}' must match [A-Za-z0-9_-]{{1,64}}");
                continue;
            }

            path = $"{path} ({site.Id}/{entry.Id})";
            var before = errors.Count;
            if (!DeviceKinds.TryParse(entry.Kind, out var kind))
            {
                errors.Add($"{path}: kind '{entry.Kind}' must be camera, light, elevator or charger");
            }

            if (entry.Zone is null || !zones.ContainsKey(entry.Zone))
            {
                errors.Add($"{path}: zone '{entry.Zone}' is not a zone of site '{site.Id}'");
            }

            if (entry.Place is not null && entry.Place != entry.Zone)
            {
                var placeZone = places.TryGetValue(entry.Place, out var place) ? place.Zone : zones.ContainsKey(entry.Place) ? entry.Place : null;
                if (placeZone is null)
                {
                    errors.Add($"{path}: place '{entry.Place}' is not a place of site '{site.Id}' (declare it under \"places\", or leave it out: the device's zone is its place)");
                }
                else if (placeZone != entry.Zone)
                {
                    errors.Add($"{path}: place '{entry.Place}' is in zone '{placeZone}', not in the device's zone '{entry.Zone}'");
                }
            }

            CheckText(entry.Location, $"{path}.location", errors);
            CheckThresholds(thresholds, entry.Thresholds, $"{path}.thresholds", errors);
            var interval = entry.IntervalS ?? Device.DefaultIntervalS;
            if (interval is < 1 or > 86_400)
            {
                errors.Add($"{path}: intervalS {interval} must be between 1 and 86400");
            }

            ChargerCircuit? circuit = null;
            if (entry.Circuit is not null)
            {
                if (!ChargerCircuits.TryParse(entry.Circuit, out var parsed))
                {
                    errors.Add($"{path}: circuit '{entry.Circuit}' must be station, parking, corridor or stairwell");
                }
                else if (kind != DeviceKind.Charger)
                {
                    errors.Add($"{path}: only chargers have a circuit");
                }
                else
                {
                    circuit = parsed;
                }
            }

            if (entry.StreamUrl is not null && !Uri.TryCreate(entry.StreamUrl, UriKind.Absolute, out _))
            {
                errors.Add($"{path}: streamUrl '{entry.StreamUrl}' is not an absolute URL");
            }

            string? secretHash = null;
            if (entry.Secret is not null && entry.SecretHash is not null)
            {
                errors.Add($"{path}: give either secret or secretHash, not both");
            }
            else if (entry.SecretHash is not null)
            {
                if (!DeviceSecretHasher.IsWellFormed(entry.SecretHash))
                {
                    errors.Add($"{path}: secretHash is not of the form {DeviceSecretHasher.Scheme}$iterations$salt$hash or {DeviceSecretHasher.GeneratedScheme}$salt$hash (make one with: redproperty-hub hash-secret)");
                }

                secretHash = entry.SecretHash;
            }
            else if (string.IsNullOrEmpty(entry.Secret) || entry.Secret.Length < 8)
            {
                errors.Add($"{path}: a secret of at least 8 characters (or a secretHash) is required");
            }

            if (errors.Count > before)
            {
                continue;
            }

            secretHash ??= hashSecret(entry.Secret!);
            var device = new Device(site.Id!, entry.Id, kind, entry.Zone!, entry.Location, secretHash, interval, entry.StreamUrl, circuit)
            {
                Thresholds = entry.Thresholds ?? [],
                Place = entry.Place ?? entry.Zone!,
            };
            if (!devices.TryAdd(entry.Id, device))
            {
                errors.Add($"{path}: device id is used twice in the site");
            }
        }

        return devices;
    }

    private static void CheckThresholds(IThresholdValidator validator, Dictionary<string, double>? thresholds, string path, List<string> errors)
    {
        if (thresholds is { Count: > 0 })
        {
            validator.Validate(thresholds, path, errors);
        }
    }

    private static TimeZoneInfo ResolveTimeZone(string? id, string path, List<string> errors)
    {
        if (id is null)
        {
            errors.Add($"{path}: timeZone is required, e.g. Asia/Shanghai");
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            errors.Add($"{path}: timeZone '{id}' is not a known time zone");
            return TimeZoneInfo.Utc;
        }
    }

    private static void CheckCoordinate(double? value, double min, double max, string path, List<string> errors)
    {
        if (value is { } v && (!double.IsFinite(v) || v < min || v > max))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}: {v} must be between {min} and {max}"));
        }
    }

    private static void CheckText(string? text, string path, List<string> errors)
    {
        if (text is not null && (text.Length > MaxNameLength || text.Any(char.IsControl)))
        {
            errors.Add($"{path}: at most {MaxNameLength} characters, no control characters");
        }
    }

    /// <summary>
    /// Line protocol escapes spaces, commas and equals signs in tags, but cannot carry line breaks or
    /// other control characters, and a trailing backslash would escape the separator after it.
    /// </summary>
    internal static bool IsTagSafe(string? value, int maxLength) =>
        !string.IsNullOrEmpty(value) && value.Length <= maxLength && !value.Any(char.IsControl) && !value.EndsWith('\\');
}
