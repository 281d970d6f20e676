using RedProperty.Iot.Domain.Contract;

namespace RedProperty.Iot.Domain.Registry;

/// <summary>A compound (小区): its zones and devices, as imported from the registry.</summary>
public sealed record Site(
    string Id,
    string Name,
    TimeZoneInfo TimeZone,
    double? Latitude,
    double? Longitude,
    IReadOnlyDictionary<string, Zone> Zones,
    IReadOnlyDictionary<string, Device> Devices)
{
    /// <summary>The property company that runs the compound, if the registry names it.</summary>
    public string? Company { get; init; }

    /// <summary>Alert threshold overrides for the whole site.</summary>
    public IReadOnlyDictionary<string, double> Thresholds { get; init; } = new Dictionary<string, double>();

    /// <summary>The places the registry names besides the zones (a stairwell, an elevator car's landing, a charging area).</summary>
    public IReadOnlyList<Place> DeclaredPlaces { get; init; } = [];

    /// <summary>
    /// Where someone can be sent and a sticker can hang: every zone is a place of its own, and the declared
    /// places are places within a zone.
    /// </summary>
    public IReadOnlyDictionary<string, Place> Places => field ??= Zones.Values
        .Select(z => new Place(z.Id, z.Name, z.Id))
        .Concat(DeclaredPlaces)
        .ToDictionary(p => p.Id, StringComparer.Ordinal);
}

/// <summary>A spot in a zone that a worker can be sent to and prove they reached (by the QR sticker posted there).</summary>
public sealed record Place(string Id, string Name, string Zone)
{
    /// <summary>Whether this is the zone itself rather than a place declared within it.</summary>
    public bool IsZone => Id == Zone;
}

/// <summary>A grid (网格), building, car park or elevator car: where devices are and who looks after them.</summary>
public sealed record Zone(string Id, string Name, string Type)
{
    public const string ElevatorCarType = "elevator-car";

    public bool IsElevatorCar => Type == ElevatorCarType;

    public IReadOnlyDictionary<string, double> Thresholds { get; init; } = new Dictionary<string, double>();
}

/// <summary>A registered device. Only the salted hash of its secret is kept.</summary>
public sealed record Device(
    string Site,
    string Id,
    DeviceKind Kind,
    string Zone,
    string? Location,
    string SecretHash,
    int IntervalS,
    string? StreamUrl,
    ChargerCircuit? Circuit)
{
    public const int DefaultIntervalS = 30;

    /// <summary>The place the device watches: a declared place of its zone, or the zone itself.</summary>
    public string Place
    {
        get => field ?? Zone;
        init;
    }

    public IReadOnlyDictionary<string, double> Thresholds { get; init; } = new Dictionary<string, double>();

    /// <summary>The MQTT user name the device logs in with (also the key of per-device state: built once, not per message).</summary>
    public string UserName { get; } = $"{Site}/{Id}";

    /// <summary>The topic prefix the device may publish under.</summary>
    public string TopicPrefix { get; } = $"{DeviceTopic.Root}/{Site}/{Kind.ToWire()}/{Id}/";
}
