using RedProperty.Iot.Domain.Registry;

namespace RedProperty.Iot.Domain.Alerts.Rules;

/// <summary>
/// Where the rules' state of each device is kept: the hub keeps it in its per-device state, beside the
/// device's live status and latest reading, so one lookup finds all a device's context.
/// </summary>
public interface IDeviceRuleStates
{
    DeviceRuleState Of(Device device);

    /// <summary>Every device of the registry, for the rules that time alone decides.</summary>
    IEnumerable<DeviceRuleState> All { get; }
}

/// <summary>The engine's own keeping when its host has none (tests, the simulator's rules harness).</summary>
internal sealed class DeviceRuleStates : IDeviceRuleStates
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DeviceRuleState> _states = new(StringComparer.Ordinal);
    private readonly DeviceRegistry _registry;
    private readonly TimeProvider _time;

    public DeviceRuleStates(DeviceRegistry registry, TimeProvider time)
    {
        _registry = registry;
        _time = time;
        var now = time.GetUtcNow();
        foreach (var device in registry.Devices)
        {
            _states[device.UserName] = DeviceRuleState.Watch(device, registry, now);
        }
    }

    public IEnumerable<DeviceRuleState> All => _states.Values;

    public DeviceRuleState Of(Device device) =>
        _states.TryGetValue(device.UserName, out var state) ? state : _states.GetOrAdd(device.UserName, static (_, context) => DeviceRuleState.Watch(context.device, context.registry, context.now), (device, registry: _registry, now: _time.GetUtcNow()));
}
