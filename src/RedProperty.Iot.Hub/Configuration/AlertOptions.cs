using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RedProperty.Iot.Hub.Configuration;

/// <summary>The <c>Alerts</c> section: SLA durations; thresholds are read by <see cref="AlertSettings"/>.</summary>
public sealed class AlertOptions : IValidatableObject
{
    public const string Section = "Alerts";

    /// <summary>An alert not acknowledged within this is escalated (the response promise).</summary>
    public TimeSpan AcknowledgeWithin { get; set; } = EscalationPolicy.Default.AcknowledgeWithin;

    /// <summary>A critical alert with nobody's arrival recorded within this is escalated again (the on-site promise).</summary>
    public TimeSpan ArriveWithin { get; set; } = EscalationPolicy.Default.ArriveWithin;

    /// <summary>
    /// The on-site promise's name before arrival was recorded (then: resolved within). Still read, so that a
    /// configuration written for an older hub keeps its promise; <see cref="ArriveWithin"/> wins when both are set.
    /// </summary>
    public TimeSpan? ResolveCriticalWithin { get; set; }

    /// <summary>The on-site promise in force: <see cref="ArriveWithin"/>, or the older key when only that one is set.</summary>
    public TimeSpan OnSiteWithin(IConfiguration configuration) =>
        configuration[$"{Section}:{nameof(ArriveWithin)}"] is null && ResolveCriticalWithin is { } older ? older : ArriveWithin;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AcknowledgeWithin <= TimeSpan.Zero || AcknowledgeWithin > TimeSpan.FromDays(1))
        {
            yield return new ValidationResult("Alerts:AcknowledgeWithin must be more than 00:00:00 and at most 1.00:00:00", [nameof(AcknowledgeWithin)]);
        }

        if (ArriveWithin <= TimeSpan.Zero || ArriveWithin > TimeSpan.FromDays(7))
        {
            yield return new ValidationResult("Alerts:ArriveWithin must be more than 00:00:00 and at most 7.00:00:00", [nameof(ArriveWithin)]);
        }

        if (ResolveCriticalWithin is { } older && (older <= TimeSpan.Zero || older > TimeSpan.FromDays(7)))
        {
            yield return new ValidationResult("Alerts:ResolveCriticalWithin (now Alerts:ArriveWithin) must be more than 00:00:00 and at most 7.00:00:00", [nameof(ResolveCriticalWithin)]);
        }
    }
}

[OptionsValidator]
public sealed partial class AlertOptionsValidator : IValidateOptions<AlertOptions>;

/// <summary>
/// Threshold overrides from configuration: <c>Alerts:Thresholds:{key}</c>, <c>Alerts:Sites:{site}:{key}</c>,
/// <c>Alerts:Zones:{site}/{zone}:{key}</c>, <c>Alerts:Devices:{site}/{device}:{key}</c>.
/// </summary>
public static class AlertSettings
{
    public static ThresholdOverrides Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(AlertOptions.Section);
        return new ThresholdOverrides(
            Values(section.GetSection("Thresholds")),
            Scopes(section.GetSection("Sites")),
            Scopes(section.GetSection("Zones")),
            Scopes(section.GetSection("Devices")));
    }

    /// <summary>
    /// Who may close alerts of a type, or of one cause of a type: <c>Alerts:Clearing:{type}</c> or
    /// <c>Alerts:Clearing:{type}/{cause}</c> = <c>auto</c> or <c>staff</c> (checked by <see cref="ClearingPolicy"/>).
    /// </summary>
    public static IReadOnlyDictionary<string, string?> Clearing(IConfiguration configuration) =>
        Values(configuration.GetSection(AlertOptions.Section).GetSection("Clearing"));

    private static Dictionary<string, string?> Values(IConfigurationSection section) =>
        section.GetChildren().ToDictionary(c => c.Key, c => c.Value, StringComparer.OrdinalIgnoreCase);

    private static Dictionary<string, IReadOnlyDictionary<string, string?>> Scopes(IConfigurationSection section) =>
        section.GetChildren().ToDictionary(c => c.Key, c => (IReadOnlyDictionary<string, string?>)Values(c), StringComparer.Ordinal);
}
