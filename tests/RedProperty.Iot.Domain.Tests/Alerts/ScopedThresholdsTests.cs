using RedProperty.Iot.Domain.Alerts;

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
        var catalog = ScopedThresholds.Build(bed.Registry, overrides, "Alerts:", out var errors);

        Assert.Empty(errors);
        Assert.Equal((30, 68.0), (catalog.For(bed.Device("corr")).FlyingWireSustainS, catalog.For(bed.Device("corr")).OverheatTempC));
        Assert.Equal((120, 68.0), (catalog.For(bed.Device("stair")).FlyingWireSustainS, catalog.For(bed.Device("stair")).OverheatTempC));
        Assert.Equal((120, 65.0), (catalog.For(bed.Device("lift")).FlyingWireSustainS, catalog.For(bed.Device("lift")).OverheatTempC));
    }

    [Fact]
    public void An_override_changes_what_the_rules_do()
    {
        var catalogBed = new RuleTestBed();
        var catalog = ScopedThresholds.Build(catalogBed.Registry, new ThresholdOverrides(null, null, null, Scope("s1/corr", ("FlyingWireSustainS", "30"))), "Alerts:", out _);
        var bed = new RuleTestBed(thresholds: catalog);
        bed.Send("corr", new RedProperty.Iot.Domain.Contract.ChargerTelemetry { CurrentA = 2 });
        bed.After(30, "corr", new RedProperty.Iot.Domain.Contract.ChargerTelemetry { CurrentA = 2 }).Raised(AlertType.FlyingWireCharging);
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
        ScopedThresholds.Build(new RuleTestBed().Registry, new ThresholdOverrides(Values((key, value)), null, null, null), "Alerts:", out var errors);
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Overrides_for_unknown_sites_zones_and_devices_are_reported()
    {
        ScopedThresholds.Build(new RuleTestBed().Registry, new ThresholdOverrides(null, Scope("nowhere", ("OverheatTempC", "60")), Scope("s1/grid-9", ("OverheatTempC", "60")), Scope("s1/ghost", ("OverheatTempC", "60"))), "Alerts:", out var errors);
        Assert.Equal(
            new[] { "Alerts:Devices:s1/ghost: no such device in the registry", "Alerts:Sites:nowhere: no such site in the registry", "Alerts:Zones:s1/grid-9: no such zone in the registry" },
            errors.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Registry_thresholds_apply_per_level_and_configuration_overrides_them_at_the_same_level()
    {
        var json = """
            {"sites":[{"id":"s1","timeZone":"Asia/Shanghai","thresholds":{"OverheatTempC":66},
              "zones":[{"id":"z1","thresholds":{"FlyingWireSustainS":45}},{"id":"z2"}],
              "devices":[{"id":"a","kind":"charger","zone":"z1","secret":"long-enough","thresholds":{"OverheatClearTempC":50}},
                         {"id":"b","kind":"charger","zone":"z2","secret":"long-enough"}]}]}
            """;
        var registry = RedProperty.Iot.Domain.Registry.RegistryImporter.Parse(System.Text.Encoding.UTF8.GetBytes(json), s => RedProperty.Iot.Domain.Registry.DeviceSecretHasher.Hash(s, 1000), AlertThresholds.Defaults).Registry!;
        var catalog = ScopedThresholds.Build(registry, new ThresholdOverrides(null, Scope("s1", ("OverheatTempC", "68")), null, null), "Alerts:", out var errors);

        Assert.Empty(errors);
        registry.TryGetDevice("s1", "a", out var a);
        registry.TryGetDevice("s1", "b", out var b);
        Assert.Equal((68.0, 45, 50.0), (catalog.For(a).OverheatTempC, catalog.For(a).FlyingWireSustainS, catalog.For(a).OverheatClearTempC));
        Assert.Equal((68.0, 60, 60.0), (catalog.For(b).OverheatTempC, catalog.For(b).FlyingWireSustainS, catalog.For(b).OverheatClearTempC));
    }

    [Fact]
    public void An_unknown_threshold_in_the_registry_is_refused_at_import_naming_the_entry()
    {
        var json = """{"sites":[{"id":"s1","timeZone":"Asia/Shanghai","zones":[{"id":"z1"}],"devices":[{"id":"a","kind":"light","zone":"z1","secret":"long-enough","thresholds":{"BrightnessLux":3}}]}]}""";
        var result = RedProperty.Iot.Domain.Registry.RegistryImporter.Parse(System.Text.Encoding.UTF8.GetBytes(json), s => s, AlertThresholds.Defaults);
        Assert.False(result.IsSuccess);
        Assert.Contains(result.Errors, e => e.StartsWith("sites[0] (s1).devices[0] (s1/a).thresholds: 'BrightnessLux' is not a threshold", StringComparison.Ordinal));
    }
}
