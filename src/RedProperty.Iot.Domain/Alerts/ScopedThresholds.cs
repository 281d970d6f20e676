using System.Collections.Frozen;
using RedProperty.Iot.Domain.Registry;

namespace RedProperty.Iot.Domain.Alerts;

/// <summary>Where a device's thresholds come from.</summary>
public interface IThresholdSource
{
    AlertThresholds For(Device device);
}

/// <summary>Overrides of one scope: global, a site, a zone (<c>site/zone</c>) or a device (<c>site/device</c>).</summary>
public sealed record ThresholdOverrides(
    IReadOnlyDictionary<string, string?>? Global,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string?>>? Sites,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string?>>? Zones,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string?>>? Devices);

/// <summary>
/// Thresholds resolved once per device at start-up: catalogue defaults, then global, site, zone and
/// device overrides, the most specific winning. Every bad key or value is reported with its scope.
/// </summary>
public sealed class ScopedThresholds : IThresholdSource
{
    private readonly FrozenDictionary<string, AlertThresholds> _byDevice;
    private readonly AlertThresholds _fallback;

    private ScopedThresholds(FrozenDictionary<string, AlertThresholds> byDevice, AlertThresholds fallback)
    {
        _byDevice = byDevice;
        _fallback = fallback;
    }

    public static ScopedThresholds Defaults { get; } = new(FrozenDictionary<string, AlertThresholds>.Empty, AlertThresholds.Defaults);

    public static ScopedThresholds Build(DeviceRegistry registry, ThresholdOverrides overrides, string scopePrefix, out IReadOnlyList<string> errors)
    {
        var problems = new List<string>();
        var global = AlertThresholds.Defaults.With(overrides.Global, $"{scopePrefix}Thresholds", problems);
        CheckScopes(overrides.Sites, key => registry.SitesById.ContainsKey(key), "site", $"{scopePrefix}Sites", problems);
        CheckScopes(overrides.Zones, key => TrySplit(key, out var s, out var z) && registry.SitesById.TryGetValue(s, out var site) && site.Zones.ContainsKey(z), "zone", $"{scopePrefix}Zones", problems);
        CheckScopes(overrides.Devices, key => TrySplit(key, out var s, out var d) && registry.TryGetDevice(s, d, out _), "device", $"{scopePrefix}Devices", problems);

        var byDevice = new Dictionary<string, AlertThresholds>(StringComparer.Ordinal);
        foreach (var device in registry.Devices)
        {
            // At each level the registry's values come first and configuration may override them.
            var site = registry.SitesById[device.Site];
            var zone = registry.ZoneOf(device);
            var thresholds = global
                .With(AlertThresholds.AsOverrides(site.Thresholds), $"registry site {device.Site} thresholds", problems)
                .With(Lookup(overrides.Sites, device.Site), $"{scopePrefix}Sites:{device.Site}", problems)
                .With(AlertThresholds.AsOverrides(zone?.Thresholds), $"registry zone {device.Site}/{device.Zone} thresholds", problems)
                .With(Lookup(overrides.Zones, $"{device.Site}/{device.Zone}"), $"{scopePrefix}Zones:{device.Site}/{device.Zone}", problems)
                .With(AlertThresholds.AsOverrides(device.Thresholds), $"registry device {device.UserName} thresholds", problems)
                .With(Lookup(overrides.Devices, device.UserName), $"{scopePrefix}Devices:{device.UserName}", problems);
            byDevice[device.UserName] = thresholds;
        }

        errors = problems.Distinct().ToArray();
        return new ScopedThresholds(byDevice.ToFrozenDictionary(StringComparer.Ordinal), global);
    }

    public AlertThresholds For(Device device) => _byDevice.TryGetValue(device.UserName, out var thresholds) ? thresholds : _fallback;

    private static IReadOnlyDictionary<string, string?>? Lookup(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string?>>? scopes, string key) =>
        scopes is not null && scopes.TryGetValue(key, out var values) ? values : null;

    private static bool TrySplit(string key, out string first, out string second)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        first = slash > 0 ? key[..slash] : string.Empty;
        second = slash > 0 ? key[(slash + 1)..] : string.Empty;
        return slash > 0;
    }

    private static void CheckScopes(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string?>>? scopes, Func<string, bool> exists, string what, string where, List<string> problems)
    {
        foreach (var key in scopes?.Keys ?? [])
        {
            if (!exists(key))
            {
                problems.Add($"{where}:{key}: no such {what} in the registry");
            }
        }
    }
}
