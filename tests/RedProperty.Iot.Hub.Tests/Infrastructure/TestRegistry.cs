using RedProperty.Iot.Domain.Registry;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>A small registry for tests: one site with a device of each kind, and a zone id built to break line protocol.</summary>
public static class TestRegistry
{
    public const string Site = "testsite";

    /// <summary>A second compound, for checking that staff only see their own sites.</summary>
    public const string OtherSite = "othersite";

    /// <summary>Spaces, commas, equals signs, quotes and backslashes: line protocol must escape all of them.</summary>
    public const string HostileZone = "grid 1,a=b\"c\\d";

    public static readonly (string Id, string Kind, string Zone, string? Circuit)[] Devices =
    [
        ("cam-1", "camera", "lift-1", null),
        ("light-1", "light", HostileZone, null),
        ("lift-1", "elevator", "lift-1", null),
        ("chg-1", "charger", HostileZone, "corridor"),
        ("chg-2", "charger", "grid-2", null),
        ("light-2", "light", "grid-2", null),
    ];

    public static string SecretOf(string deviceId) => $"secret-of-{deviceId}";

    /// <summary>A place declared within zone grid-2 (charger chg-2 watches it); every zone is a place too.</summary>
    public const string CorridorPlace = "b2-corr";

    /// <summary>The property company that runs both compounds (the other one, unless <c>otherCompany</c> names another).</summary>
    public const string Company = "红星物业";

    /// <summary>The location each device gets unless <c>locations</c> says otherwise.</summary>
    public static string LocationOf(string deviceId) => $"位置 {deviceId}";

    public static string Write(string directory, int extraLights = 0, IReadOnlyDictionary<string, string>? locations = null, IReadOnlyDictionary<string, string>? streamUrls = null, IReadOnlyList<string>? extraZones = null, int extraCameras = 0, int extraElevators = 0, string? otherCompany = null)
    {
        var devices = Devices.Select(d => new DeviceEntry
        {
            Id = d.Id, Kind = d.Kind, Zone = d.Zone, Location = locations?.GetValueOrDefault(d.Id) ?? LocationOf(d.Id), Secret = SecretOf(d.Id), Circuit = d.Circuit,
            StreamUrl = streamUrls?.GetValueOrDefault(d.Id), Place = d.Id == "chg-2" ? CorridorPlace : null,
        }).ToList();
        for (var i = 0; i < extraLights; i++)
        {
            devices.Add(new DeviceEntry { Id = $"light-x{i}", Kind = "light", Zone = "grid-2", Secret = SecretOf($"light-x{i}") });
        }

        for (var i = 0; i < extraCameras; i++)
        {
            devices.Add(new DeviceEntry { Id = $"cam-x{i}", Kind = "camera", Zone = "grid-2", Secret = SecretOf($"cam-x{i}") });
        }

        for (var i = 0; i < extraElevators; i++)
        {
            devices.Add(new DeviceEntry { Id = $"lift-x{i}", Kind = "elevator", Zone = "lift-1", Secret = SecretOf($"lift-x{i}") });
        }

        var document = new RegistryDocument
        {
            Sites =
            [
                new SiteEntry
                {
                    Id = Site, Name = "测试小区", Company = Company, TimeZone = "Asia/Shanghai", Latitude = 28.11, Longitude = 113.01,
                    Zones =
                    [
                        new ZoneEntry { Id = HostileZone, Name = "第一网格", Type = "area" },
                        new ZoneEntry { Id = "grid-2", Name = "第二网格", Type = "area" },
                        new ZoneEntry { Id = "lift-1", Name = "1栋A梯", Type = "elevator-car" },
                        .. (extraZones ?? []).Select(z => new ZoneEntry { Id = z, Name = z, Type = "area" }),
                    ],
                    Places = [new PlaceEntry { Id = CorridorPlace, Name = "2栋3楼走廊", Zone = "grid-2" }],
                    Devices = devices,
                },
                new SiteEntry
                {
                    Id = OtherSite, Name = "另一个小区", Company = otherCompany ?? Company, TimeZone = "Asia/Shanghai",
                    Zones = [new ZoneEntry { Id = "grid-a", Name = "A网格", Type = "area" }],
                    Devices = [new DeviceEntry { Id = "chg-x", Kind = "charger", Zone = "grid-a", Secret = SecretOf("chg-x"), Circuit = "stairwell" }],
                },
            ],
        };
        var path = Path.Combine(directory, "registry.json");
        File.WriteAllBytes(path, RegistryJson.Serialize(document));
        return path;
    }
}
