using RedProperty.Iot.Alerts;

namespace RedProperty.Iot.Domain.Tests.Alerts;

public sealed class ThresholdCatalogTests
{
    private static Dictionary<string, string?> Values(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => (string?)p.Value);

    private static Dictionary<string, IReadOnlyDictionary<string, string?>> Scope(string key, params (string Key, string Value)[] pairs) =>
        new() { [key] = Values(pairs) };

    [Fact]
    public void The_most_specific_override_wins()
    {
        var bed = new RuleTestBed();
        var overrides = new ThresholdOverrides(
            Values(("FlyingWireSustainS", "90"), ("OverheatTempC", "65")),
            Scope("s1", ("FlyingWireSustainS", "120")),
            Scope("s1/grid-1", ("OverheatTempC", "68")),
            Scope("s1/corr", ("FlyingWireSustainS", "30")));
        var catalog = ThresholdCatalog.Build(bed.Registry, overrides, "Alerts:", out var errors);

        Assert.Empty(errors);
        Assert.Equal((30, 68.0), (catalog.For(bed.Device("corr")).FlyingWireSustainS, catalog.For(bed.Device("corr")).OverheatTempC));
        Assert.Equal((120, 68.0), (catalog.For(bed.Device("stair")).FlyingWireSustainS, catalog.For(bed.Device("stair")).OverheatTempC));
        Assert.Equal((120, 65.0), (catalog.For(bed.Device("lift")).FlyingWireSustainS, catalog.For(bed.Device("lift")).OverheatTempC));
    }

    [Fact]
    public void An_override_changes_what_the_rules_do()
    {
        var catalogBed = new RuleTestBed();
        var catalog = ThresholdCatalog.Build(catalogBed.Registry, new ThresholdOverrides(null, null, null, Scope("s1/corr", ("FlyingWireSustainS", "30"))), "Alerts:", out _);
        var bed = new RuleTestBed(thresholds: catalog);
        bed.Send("corr", new RedProperty.Iot.Contract.ChargerTelemetry { CurrentA = 2 });
        bed.After(30, "corr", new RedProperty.Iot.Contract.ChargerTelemetry { CurrentA = 2 }).Raised(AlertType.FlyingWireCharging);
    }

    [Theory]
    [InlineData("FlyingWireSustain", "60", "Alerts:Thresholds: 'FlyingWireSustain' is not a threshold")]
    [InlineData("FlyingWireSustainS", "soon", "Alerts:Thresholds:FlyingWireSustainS: 'soon' must be a number ≥ 0")]
    [InlineData("FlyingWireSustainS", "-5", "must be a number ≥ 0")]
    [InlineData("FlyingWireSustainS", "1.5", "must be a whole number")]
    [InlineData("OverheatClearTempC", "80", "OverheatClearTempC must not exceed OverheatTempC")]
    [InlineData("FlyingWireMinCurrentA", "20", "FlyingWireMinCurrentA must not exceed FlyingWireMaxCurrentA")]
    public void Bad_values_are_reported_with_their_key(string key, string value, string expected)
    {
        ThresholdCatalog.Build(new RuleTestBed().Registry, new ThresholdOverrides(Values((key, value)), null, null, null), "Alerts:", out var errors);
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Overrides_for_unknown_sites_zones_and_devices_are_reported()
    {
        ThresholdCatalog.Build(new RuleTestBed().Registry, new ThresholdOverrides(null, Scope("nowhere", ("OverheatTempC", "60")), Scope("s1/grid-9", ("OverheatTempC", "60")), Scope("s1/ghost", ("OverheatTempC", "60"))), "Alerts:", out var errors);
        Assert.Equal(
            new[] { "Alerts:Devices:s1/ghost: no such device in the registry", "Alerts:Sites:nowhere: no such site in the registry", "Alerts:Zones:s1/grid-9: no such zone in the registry" },
            errors.Order(StringComparer.Ordinal));
    }
}
