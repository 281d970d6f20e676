using System.Text;
using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Registry;

namespace RedProperty.Iot.Domain.Tests.Registry;

public sealed class RegistryPlaceTests
{
    private const string WithPlaces = """
        {
          "sites": [{
            "id": "jiahua", "name": "嘉华城", "timeZone": "Asia/Shanghai",
            "zones": [
              { "id": "grid-1", "name": "第一网格" },
              { "id": "lift-24a", "name": "24栋A梯", "type": "elevator-car" }
            ],
            "places": [
              { "id": "b24-corr-3", "name": "24栋3楼走廊", "zone": "grid-1" },
              { "id": "b24-stair", "name": "24栋楼梯间", "zone": "grid-1" }
            ],
            "devices": [
              { "id": "chg-b24-corr-3", "kind": "charger", "zone": "grid-1", "place": "b24-corr-3", "secret": "dev-only-plain-secret", "circuit": "corridor" },
              { "id": "cam-south-gate", "kind": "camera", "zone": "grid-1", "secret": "dev-only-plain-secret" },
              { "id": "lift-24a-ctl", "kind": "elevator", "zone": "lift-24a", "place": "lift-24a", "secret": "dev-only-plain-secret" }
            ]
          }]
        }
        """;

    private static RegistryImportResult Import(string json) =>
        RegistryImporter.Parse(Encoding.UTF8.GetBytes(json), s => DeviceSecretHasher.Hash(s, 1000), AlertThresholds.Defaults);

    [Fact]
    public void Every_zone_is_a_place_and_declared_places_lie_within_a_zone()
    {
        var result = Import(WithPlaces);
        Assert.True(result.IsSuccess, string.Join("\n", result.Errors));
        var site = result.Registry!.SitesById["jiahua"];

        Assert.Equal(["b24-corr-3", "b24-stair", "grid-1", "lift-24a"], site.Places.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new Place("lift-24a", "24栋A梯", "lift-24a"), site.Places["lift-24a"]);
        Assert.True(site.Places["grid-1"].IsZone);
        Assert.Equal(new Place("b24-corr-3", "24栋3楼走廊", "grid-1"), site.Places["b24-corr-3"]);
        Assert.False(site.Places["b24-corr-3"].IsZone);

        Assert.True(result.Registry.TryGetDevice("jiahua", "chg-b24-corr-3", out var charger));
        Assert.Equal("b24-corr-3", charger.Place);
        Assert.True(result.Registry.TryGetDevice("jiahua", "cam-south-gate", out var camera));
        Assert.Equal("grid-1", camera.Place);
    }

    [Fact]
    public void The_kept_document_keeps_the_places()
    {
        var registry = Import(WithPlaces).Registry!;
        var kept = RegistryImporter.Parse(RegistryJson.Serialize(RegistryImporter.ToDocument(registry)), _ => throw new InvalidOperationException("no plain secret expected"), AlertThresholds.Defaults);
        Assert.True(kept.IsSuccess, string.Join("\n", kept.Errors));
        Assert.Equal(registry.SitesById["jiahua"].Places.Values.OrderBy(p => p.Id, StringComparer.Ordinal), kept.Registry!.SitesById["jiahua"].Places.Values.OrderBy(p => p.Id, StringComparer.Ordinal));
        Assert.Equal(registry.Devices.Select(d => (d.Id, d.Place)), kept.Registry.Devices.Select(d => (d.Id, d.Place)));
    }

    [Theory]
    [InlineData("{ \"id\": \"b24-stair\", \"name\": \"24栋楼梯间\", \"zone\": \"grid-1\" }", "{ \"id\": \"grid-1\", \"name\": \"x\", \"zone\": \"grid-1\" }",
        "sites[0] (jiahua).places[1] (grid-1): 'grid-1' is the id of a zone, and every zone is already a place of its own")]
    [InlineData("{ \"id\": \"b24-stair\", \"name\": \"24栋楼梯间\", \"zone\": \"grid-1\" }", "{ \"id\": \"b24-stair\", \"name\": \"24栋楼梯间\", \"zone\": \"grid-9\" }",
        "sites[0] (jiahua).places[1] (b24-stair): zone 'grid-9' is not a zone of site 'jiahua'")]
    [InlineData("{ \"id\": \"b24-stair\", \"name\": \"24栋楼梯间\", \"zone\": \"grid-1\" }", "{ \"id\": \"b24-corr-3\", \"name\": \"again\", \"zone\": \"grid-1\" }",
        "sites[0] (jiahua).places[1] (b24-corr-3): place id is used twice in the site")]
    [InlineData("{ \"id\": \"b24-stair\", \"name\": \"24栋楼梯间\", \"zone\": \"grid-1\" }", "{ \"id\": \"b24\\nstair\", \"zone\": \"grid-1\" }",
        "sites[0] (jiahua).places[1]: id 'b24\nstair' must be 1-64 characters")]
    [InlineData("\"place\": \"b24-corr-3\"", "\"place\": \"b24-roof\"",
        "sites[0] (jiahua).devices[0] (jiahua/chg-b24-corr-3): place 'b24-roof' is not a place of site 'jiahua'")]
    [InlineData("\"place\": \"lift-24a\"", "\"place\": \"b24-stair\"",
        "sites[0] (jiahua).devices[2] (jiahua/lift-24a-ctl): place 'b24-stair' is in zone 'grid-1', not in the device's zone 'lift-24a'")]
    [InlineData("\"place\": \"lift-24a\"", "\"place\": \"grid-1\"",
        "sites[0] (jiahua).devices[2] (jiahua/lift-24a-ctl): place 'grid-1' is in zone 'grid-1', not in the device's zone 'lift-24a'")]
    public void Refuses_a_bad_place_naming_the_entry(string find, string replace, string expectedError)
    {
        Assert.Contains(find, WithPlaces, StringComparison.Ordinal);
        var result = Import(WithPlaces.Replace(find, replace, StringComparison.Ordinal));
        Assert.False(result.IsSuccess);
        Assert.Contains(result.Errors, e => e.StartsWith(expectedError, StringComparison.Ordinal));
    }
}
