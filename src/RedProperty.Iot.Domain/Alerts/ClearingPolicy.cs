namespace RedProperty.Iot.Domain.Alerts;

/// <summary>
/// Who may close an alert once its condition clears: the catalogue's default (<see cref="AlertCatalogue.DefaultClearing"/>)
/// unless configuration says otherwise for the type (<c>{type}</c>) or for one cause of it (<c>{type}/{cause}</c>),
/// with the value <c>auto</c> or <c>staff</c>. The more specific key wins.
/// </summary>
public sealed class ClearingPolicy
{
    private readonly Dictionary<(AlertType, AlertCause?), AlertClearing> _overrides;

    private ClearingPolicy(Dictionary<(AlertType, AlertCause?), AlertClearing> overrides)
    {
        _overrides = overrides;
    }

    public static ClearingPolicy Default { get; } = new([]);

    /// <summary>The policy with the overrides; every bad key or value is reported with <paramref name="scope"/> in front of the key.</summary>
    public static ClearingPolicy Build(IReadOnlyDictionary<string, string?>? overrides, string scope, out IReadOnlyList<string> errors)
    {
        var problems = new List<string>();
        var parsed = new Dictionary<(AlertType, AlertCause?), AlertClearing>();
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            var slash = key.IndexOf('/', StringComparison.Ordinal);
            var typeText = slash < 0 ? key : key[..slash];
            AlertCause? cause = null;
            if (!AlertCatalogue.TryParse(typeText, out AlertType type))
            {
                problems.Add($"{scope}:{key}: '{typeText}' is not an alert type (one of {string.Join(", ", AlertCatalogue.All.Select(t => t.ToWire()))})");
                continue;
            }

            if (slash >= 0)
            {
                if (!AlertCatalogue.TryParse(key[(slash + 1)..], out AlertCause c))
                {
                    problems.Add($"{scope}:{key}: '{key[(slash + 1)..]}' is not a cause (one of {string.Join(", ", Enum.GetValues<AlertCause>().Select(x => x.ToWire()))})");
                    continue;
                }

                cause = c;
            }

            if (!AlertCatalogue.TryParse(value?.Trim().ToLowerInvariant(), out AlertClearing clearing))
            {
                problems.Add($"{scope}:{key}: '{value}' must be auto or staff");
                continue;
            }

            parsed[(type, cause)] = clearing;
        }

        errors = problems;
        return new ClearingPolicy(parsed);
    }

    public AlertClearing For(AlertType type, AlertCause cause) =>
        _overrides.TryGetValue((type, cause), out var exact) ? exact
        : _overrides.TryGetValue((type, null), out var ofType) ? ofType
        : AlertCatalogue.DefaultClearing(type, cause);
}
