using RedProperty.Iot.Alerts;

namespace RedProperty.Iot.Hub.Configuration;

/// <summary>The <c>Alerts</c> section: SLA durations; thresholds are read by <see cref="AlertSettings"/>.</summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>An alert not acknowledged within this is escalated (the response promise).</summary>
    public TimeSpan AcknowledgeWithin { get; set; } = EscalationPolicy.Default.AcknowledgeWithin;

    /// <summary>A critical alert not resolved within this is escalated again (the on-site promise).</summary>
    public TimeSpan ResolveCriticalWithin { get; set; } = EscalationPolicy.Default.ResolveCriticalWithin;
}

/// <summary>The <c>Staff</c> section.</summary>
public sealed class StaffOptions
{
    public const string Section = "Staff";

    public BootstrapAdminOptions BootstrapAdmin { get; set; } = new();

    /// <summary>
    /// How long a session's check against its account (stamp, disabled) is trusted before the database is read
    /// again; changes made through the API take effect at once, others within 1.5 times this.
    /// </summary>
    public TimeSpan SessionCheck { get; set; } = TimeSpan.FromSeconds(30);

    public StaffLoginOptions Login { get; set; } = new();
}

public sealed class BootstrapAdminOptions
{
    public string? Username { get; set; }

    public string? Password { get; set; }
}

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
