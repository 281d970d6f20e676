using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Domain.Registry;

namespace RedProperty.Iot.FirmwareSim.Devices;

/// <summary>Reads device identities from a registry file and writes demo compounds.</summary>
public static class RegistryFile
{
    /// <summary>Devices that have a plain secret (the simulator must log in as them).</summary>
    public static IReadOnlyList<DeviceIdentity> ReadIdentities(string path)
    {
        var document = RegistryJson.Deserialize(File.ReadAllBytes(path), out var error);
        if (error is not null)
        {
            throw new InvalidDataException($"{path}: {error}");
        }

        var identities = new List<DeviceIdentity>();
        foreach (var site in document?.Sites ?? [])
        {
            foreach (var device in site.Devices ?? [])
            {
                if (site.Id is null || device.Id is null || device.Secret is null || !DeviceKinds.TryParse(device.Kind, out var kind))
                {
                    continue;
                }

                identities.Add(new DeviceIdentity(site.Id, device.Id, kind, device.Secret, device.Circuit));
            }
        }

        return identities;
    }

    /// <summary>
    /// A demo compound: grids of buildings with a stairwell light, a corridor charging circuit and an
    /// elevator car with its camera each, plus gate cameras and a car-park charging station.
    /// Secrets are random and in plain text: a development registry the hub hashes on import.
    /// </summary>
    public static RegistryDocument DemoCompound(string siteId, string name, int perKind)
    {
        var zones = new List<ZoneEntry>
        {
            new() { Id = "grid-1", Name = "第一网格", Type = "area" },
            new() { Id = "grid-2", Name = "第二网格", Type = "area" },
            new() { Id = "car-park", Name = "地下车库", Type = "car-park" },
        };
        var devices = new List<DeviceEntry>();
        for (var i = 1; i <= perKind; i++)
        {
            var building = i;
            var grid = i % 2 == 1 ? "grid-1" : "grid-2";
            var lift = $"lift-{building:D2}a";
            zones.Add(new ZoneEntry { Id = lift, Name = $"{building}栋A梯", Type = Zone.ElevatorCarType });
            devices.Add(Device($"light-b{building:D2}-stair", "light", grid, $"{building}栋楼梯间"));
            devices.Add(Device($"chg-b{building:D2}-corr", "charger", i % 3 == 0 ? "car-park" : grid, i % 3 == 0 ? $"车库充电桩{building}" : $"{building}栋走廊", i % 3 == 0 ? "station" : "corridor"));
            devices.Add(Device($"lift-b{building:D2}a", "elevator", lift, $"{building}栋A梯"));
            devices.Add(Device($"cam-b{building:D2}a-car", "camera", lift, $"{building}栋A梯轿厢"));
        }

        return new RegistryDocument
        {
            Sites =
            [
                new SiteEntry
                {
                    Id = siteId, Name = name, TimeZone = "Asia/Shanghai", Latitude = 28.11, Longitude = 113.01,
                    Zones = zones, Devices = devices,
                },
            ],
        };
    }

    public static void Write(RegistryDocument document, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        Directory.CreateDirectory(directory!);
        File.WriteAllBytes(path, RegistryJson.Serialize(document));
    }

    private static DeviceEntry Device(string id, string kind, string zone, string location, string? circuit = null) => new()
    {
        Id = id,
        Kind = kind,
        Zone = zone,
        Location = location,
        Secret = DeviceSecretHasher.NewSecret(),
        IntervalS = 30,
        Circuit = circuit,
    };
}
