using System.Text.Json.Serialization;

namespace RedProperty.Iot.Domain.Registry;

/// <summary>The registry file as written by integrators (see docs/device-contract.md).</summary>
public sealed class RegistryDocument
{
    public List<SiteEntry>? Sites { get; set; }
}

public sealed class SiteEntry
{
    public string? Id { get; set; }

    public string? Name { get; set; }

    /// <summary>The property company that runs the compound (one company runs several); the district ranks companies too.</summary>
    public string? Company { get; set; }

    public string? TimeZone { get; set; }

    public double? Latitude { get; set; }

    public double? Longitude { get; set; }

    public List<ZoneEntry>? Zones { get; set; }

    public List<PlaceEntry>? Places { get; set; }

    public List<DeviceEntry>? Devices { get; set; }

    /// <summary>Alert threshold overrides for the site (names as in the alert catalogue's threshold table).</summary>
    public Dictionary<string, double>? Thresholds { get; set; }
}

public sealed class ZoneEntry
{
    public string? Id { get; set; }

    public string? Name { get; set; }

    public string? Type { get; set; }

    public Dictionary<string, double>? Thresholds { get; set; }
}

/// <summary>A place within a zone (every zone is already a place of its own).</summary>
public sealed class PlaceEntry
{
    public string? Id { get; set; }

    public string? Name { get; set; }

    public string? Zone { get; set; }
}

public sealed class DeviceEntry
{
    public string? Id { get; set; }

    public string? Kind { get; set; }

    public string? Zone { get; set; }

    public string? Location { get; set; }

    /// <summary>The place the device watches (default: its zone).</summary>
    public string? Place { get; set; }

    /// <summary>A plain secret: accepted for import only, never kept.</summary>
    public string? Secret { get; set; }

    public string? SecretHash { get; set; }

    public int? IntervalS { get; set; }

    public string? StreamUrl { get; set; }

    public string? Circuit { get; set; }

    public Dictionary<string, double>? Thresholds { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(RegistryDocument))]
public sealed partial class RegistryJsonContext : JsonSerializerContext;
