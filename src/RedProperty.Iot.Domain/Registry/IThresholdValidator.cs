namespace RedProperty.Iot.Domain.Registry;

/// <summary>
/// Checks the alert thresholds a site, zone or device entry overrides. The registry carries them
/// without knowing what they mean; the alert settings (<c>AlertThresholds</c>) implement this, so the
/// importer can refuse a bad threshold naming its entry without the registry depending on the alerts.
/// </summary>
public interface IThresholdValidator
{
    /// <summary>Adds every unknown key, bad value or inconsistent pair to <paramref name="errors"/>, each naming <paramref name="where"/>.</summary>
    void Validate(IReadOnlyDictionary<string, double> thresholds, string where, List<string> errors);
}
