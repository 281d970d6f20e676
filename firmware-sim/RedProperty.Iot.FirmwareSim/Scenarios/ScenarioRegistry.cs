using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Domain.Registry;

namespace RedProperty.Iot.FirmwareSim.Scenarios;

/// <summary>The registry a scenario's compound needs: its sites, zones and devices, each with a fresh plain secret.</summary>
public static class ScenarioRegistry
{
    public static RegistryDocument Build(Scenario scenario) => new()
    {
        Sites = scenario.Sites.Select(site => new SiteEntry
        {
            Id = site.Id,
            Name = site.Name,
            TimeZone = site.TimeZone,
            Latitude = site.Latitude,
            Longitude = site.Longitude,
            Zones = site.Zones.Select(z => new ZoneEntry { Id = z.Id, Name = z.Name, Type = z.Type }).ToList(),
            Devices = site.Devices.Select(d => new DeviceEntry
            {
                Id = d.Id,
                Kind = d.Kind.ToWire(),
                Zone = d.Zone,
                Location = d.Location,
                // A development registry: the hub hashes plain secrets on import and keeps only the hash.
                Secret = DeviceSecretHasher.NewSecret(),
                IntervalS = (int)Math.Ceiling(scenario.IntervalOf(d.Kind).TotalSeconds),
                Circuit = d.Circuit?.ToWire(),
            }).ToList(),
        }).ToList(),
    };
}
