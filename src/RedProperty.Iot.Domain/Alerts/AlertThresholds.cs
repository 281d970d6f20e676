using System.Globalization;
using System.Reflection;
using RedProperty.Iot.Domain.Registry;

namespace RedProperty.Iot.Domain.Alerts;

/// <summary>
/// Every number the rules use, with the catalogue's defaults. Overrides come per site, zone and
/// device (device over zone over site over global), as key/value pairs with these property names.
/// The registry's importer checks the thresholds its entries carry through <see cref="Validate"/>.
/// </summary>
public sealed record AlertThresholds : IThresholdValidator
{
    public static AlertThresholds Defaults { get; } = new();

    // flying_wire_charging
    public double FlyingWireMinCurrentA { get; init; } = 0.5;

    public double FlyingWireMaxCurrentA { get; init; } = 16;

    public int FlyingWireSustainS { get; init; } = 60;

    public double FlyingWireClearCurrentA { get; init; } = 0.2;

    public int FlyingWireClearS { get; init; } = 60;

    // charger_overheat
    public double OverheatTempC { get; init; } = 70;

    public double OverheatClearTempC { get; init; } = 60;

    public int OverheatClearS { get; init; } = 120;

    // broken_light
    public double BrokenLightMinLux { get; init; } = 5;

    public double BrokenLightMinCurrentA { get; init; } = 0.05;

    public int BrokenLightReadings { get; init; } = 3;

    public int BrokenLightClearReadings { get; init; } = 2;

    // elevator_fault, elevator_entrapment
    public int ElevatorFaultClearS { get; init; } = 60;

    public int EntrapmentS { get; init; } = 60;

    // ebike_in_elevator
    public int EbikeClearS { get; init; } = 120;

    // camera_tamper
    public int TamperClearS { get; init; } = 60;

    // device_offline: no telemetry for this many intervals
    public double OfflineIntervals { get; init; } = 3;

    private static readonly IReadOnlyDictionary<string, PropertyInfo> Properties =
        typeof(AlertThresholds).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    public static IEnumerable<string> Keys => Properties.Keys;

    /// <summary>A registry entry's thresholds as overrides of these (refused as <see cref="With"/> would).</summary>
    public void Validate(IReadOnlyDictionary<string, double> thresholds, string where, List<string> errors) =>
        With(AsOverrides(thresholds), where, errors);

    /// <summary>Numbers from the registry in the form configuration gives them (round-trip text).</summary>
    internal static Dictionary<string, string?>? AsOverrides(IReadOnlyDictionary<string, double>? values) =>
        values is { Count: > 0 } ? values.ToDictionary(kv => kv.Key, kv => (string?)kv.Value.ToString("R", CultureInfo.InvariantCulture)) : null;

    /// <summary>
    /// These thresholds with the given overrides applied. Unknown keys, unparsable or negative values,
    /// and inconsistent pairs are returned as errors naming <paramref name="where"/> and the key.
    /// </summary>
    public AlertThresholds With(IReadOnlyDictionary<string, string?>? overrides, string where, List<string> errors)
    {
        if (overrides is null || overrides.Count == 0)
        {
            return this;
        }

        var result = this with { };
        foreach (var (key, text) in overrides)
        {
            if (!Properties.TryGetValue(key, out var property))
            {
                errors.Add($"{where}: '{key}' is not a threshold (known: {string.Join(", ", Properties.Keys.Order(StringComparer.Ordinal))})");
                continue;
            }

            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < 0)
            {
                errors.Add($"{where}:{key}: '{text}' must be a number ≥ 0");
                continue;
            }

            if (property.PropertyType == typeof(int))
            {
                if (value != Math.Floor(value) || value > int.MaxValue)
                {
                    errors.Add($"{where}:{key}: '{text}' must be a whole number");
                    continue;
                }

                property.SetValue(result, (int)value);
            }
            else
            {
                property.SetValue(result, value);
            }
        }

        if (result.FlyingWireMinCurrentA > result.FlyingWireMaxCurrentA)
        {
            errors.Add($"{where}: FlyingWireMinCurrentA must not exceed FlyingWireMaxCurrentA");
        }

        if (result.OverheatClearTempC > result.OverheatTempC)
        {
            errors.Add($"{where}: OverheatClearTempC must not exceed OverheatTempC");
        }

        if (result.BrokenLightReadings < 1 || result.BrokenLightClearReadings < 1)
        {
            errors.Add($"{where}: BrokenLightReadings and BrokenLightClearReadings must be at least 1");
        }

        return result;
    }
}
