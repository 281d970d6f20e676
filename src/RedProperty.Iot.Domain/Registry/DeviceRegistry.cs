using System.Collections.Frozen;

namespace RedProperty.Iot.Domain.Registry;

/// <summary>The sites and devices the hub knows, looked up by the MQTT user name <c>{site}/{deviceId}</c>.</summary>
public sealed class DeviceRegistry
{
    private readonly FrozenDictionary<string, Device> _devicesByUserName;

    public DeviceRegistry(IReadOnlyList<Site> sites)
    {
        Sites = sites;
        _devicesByUserName = sites
            .SelectMany(s => s.Devices.Values)
            .ToFrozenDictionary(d => d.UserName, StringComparer.Ordinal);
        SitesById = sites.ToFrozenDictionary(s => s.Id, StringComparer.Ordinal);
    }

    public static DeviceRegistry Empty { get; } = new([]);

    public IReadOnlyList<Site> Sites { get; }

    public IReadOnlyDictionary<string, Site> SitesById { get; }

    public int DeviceCount => _devicesByUserName.Count;

    public IEnumerable<Device> Devices => Sites.SelectMany(s => s.Devices.Values);

    public bool TryGetDevice(string userName, out Device device) =>
        _devicesByUserName.TryGetValue(userName, out device!);

    public bool TryGetDevice(string site, string deviceId, out Device device) =>
        _devicesByUserName.TryGetValue($"{site}/{deviceId}", out device!);

    public Zone? ZoneOf(Device device) =>
        SitesById.TryGetValue(device.Site, out var site) && site.Zones.TryGetValue(device.Zone, out var zone) ? zone : null;
}
