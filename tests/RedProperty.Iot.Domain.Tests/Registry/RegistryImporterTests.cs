using System.Text;
using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Domain.Registry;

namespace RedProperty.Iot.Domain.Tests.Registry;

public sealed class RegistryImporterTests
{
    private const string Valid = """
        {
          "sites": [{
            "id": "jiahua", "name": "嘉华城", "timeZone": "Asia/Shanghai",
            "latitude": 28.11, "longitude": 113.01,
            "zones": [
              { "id": "grid-1", "name": "第一网格", "type": "area" },
              { "id": "lift-24a", "name": "24栋A梯", "type": "elevator-car" }
            ],
            "devices": [
              { "id": "cam-south-gate", "kind": "camera", "zone": "grid-1", "location": "南门入口",
                "secret": "dev-only-plain-secret", "intervalS": 30, "streamUrl": "rtsp://10.0.0.21/main" },
              { "id": "chg-b24-corr-3", "kind": "charger", "zone": "grid-1", "location": "24栋3楼走廊",
                "secretHash": "HASH", "circuit": "corridor" }
            ]
          }]
        }
        """;

    private static readonly string KnownHash = DeviceSecretHasher.Hash("another-secret", 1000);

    private static RegistryImportResult Import(string json) =>
        RegistryImporter.Parse(Encoding.UTF8.GetBytes(json.Replace("HASH", KnownHash, StringComparison.Ordinal)), s => DeviceSecretHasher.Hash(s, 1000), AlertThresholds.Defaults);

    [Fact]
    public void Imports_the_documented_example_and_hashes_plain_secrets()
    {
        var result = Import(Valid);
        Assert.True(result.IsSuccess, string.Join("\n", result.Errors));
        var registry = result.Registry!;
        Assert.True(registry.TryGetDevice("jiahua/cam-south-gate", out var camera));
        Assert.Equal(DeviceKind.Camera, camera.Kind);
        Assert.Equal("南门入口", camera.Location);
        Assert.StartsWith("pbkdf2-sha256$1000$", camera.SecretHash, StringComparison.Ordinal);
        Assert.True(DeviceSecretHasher.Verify("dev-only-plain-secret", camera.SecretHash));
        Assert.Equal("rp/jiahua/camera/cam-south-gate/", camera.TopicPrefix);

        Assert.True(registry.TryGetDevice("jiahua", "chg-b24-corr-3", out var charger));
        Assert.Equal(KnownHash, charger.SecretHash);
        Assert.Equal(ChargerCircuit.Corridor, charger.Circuit);
        Assert.Equal(Device.DefaultIntervalS, charger.IntervalS);
        Assert.True(registry.SitesById["jiahua"].Zones["lift-24a"].IsElevatorCar);
        Assert.Equal("Asia/Shanghai", registry.SitesById["jiahua"].TimeZone.Id);
    }

    [Fact]
    public void The_kept_document_holds_hashes_only_and_imports_again_unchanged()
    {
        var registry = Import(Valid).Registry!;
        var kept = Encoding.UTF8.GetString(RegistryJson.Serialize(RegistryImporter.ToDocument(registry)));
        Assert.DoesNotContain("dev-only-plain-secret", kept, StringComparison.Ordinal);
        Assert.Contains("嘉华城", kept, StringComparison.Ordinal);

        var again = RegistryImporter.Parse(Encoding.UTF8.GetBytes(kept), _ => throw new InvalidOperationException("no plain secret expected"), AlertThresholds.Defaults);
        Assert.True(again.IsSuccess, string.Join("\n", again.Errors));
        static object Fields(Device d) => (d.Site, d.Id, d.Kind, d.Zone, d.Location, d.SecretHash, d.IntervalS, d.StreamUrl, d.Circuit, string.Join(",", d.Thresholds));
        Assert.Equal(registry.Devices.Select(Fields), again.Registry!.Devices.Select(Fields));
    }

    [Theory]
    [InlineData("\"zone\": \"grid-1\", \"location\": \"南门入口\"", "\"zone\": \"grid-9\", \"location\": \"南门入口\"", "sites[0] (jiahua).devices[0] (jiahua/cam-south-gate): zone 'grid-9' is not a zone of site 'jiahua'")]
    [InlineData("\"id\": \"grid-1\"", "\"id\": \"grid\\n1\"", "sites[0] (jiahua).zones[0]: id 'grid\n1' must be 1-64 characters without control characters and must not end with a backslash")]
    [InlineData("\"id\": \"grid-1\"", "\"id\": \"grid-1\\\\\"", "sites[0] (jiahua).zones[0]: id 'grid-1\\' must be 1-64 characters")]
    [InlineData("\"kind\": \"camera\"", "\"kind\": \"doorbell\"", "(jiahua/cam-south-gate): kind 'doorbell' must be camera, light, elevator or charger")]
    [InlineData("\"id\": \"cam-south-gate\"", "\"id\": \"cam south gate\"", "sites[0] (jiahua).devices[0]: id 'cam south gate' must match [A-Za-z0-9_-]{1,64}")]
    [InlineData("\"id\": \"jiahua\"", "\"id\": \"Jia Hua\"", "sites[0]: id 'Jia Hua' must match [a-z0-9-]{1,32}")]
    [InlineData("\"timeZone\": \"Asia/Shanghai\"", "\"timeZone\": \"Mars/Olympus\"", "sites[0] (jiahua): timeZone 'Mars/Olympus' is not a known time zone")]
    [InlineData("\"latitude\": 28.11", "\"latitude\": 128.11", "sites[0] (jiahua).latitude: 128.11 must be between -90 and 90")]
    [InlineData("\"secretHash\": \"HASH\"", "\"secretHash\": \"md5$abc\"", "(jiahua/chg-b24-corr-3): secretHash is not of the form")]
    [InlineData("\"secretHash\": \"HASH\"", "\"secret\": \"short\"", "(jiahua/chg-b24-corr-3): a secret of at least 8 characters")]
    [InlineData("\"secretHash\": \"HASH\"", "\"secretHash\": \"HASH\", \"secret\": \"long-enough-secret\"", "give either secret or secretHash, not both")]
    [InlineData("\"circuit\": \"corridor\"", "\"circuit\": \"kitchen\"", "(jiahua/chg-b24-corr-3): circuit 'kitchen' must be station, parking, corridor or stairwell")]
    [InlineData("\"intervalS\": 30", "\"intervalS\": 0", "(jiahua/cam-south-gate): intervalS 0 must be between 1 and 86400")]
    [InlineData("\"id\": \"chg-b24-corr-3\"", "\"id\": \"cam-south-gate\"", "(jiahua/cam-south-gate): device id is used twice in the site")]
    [InlineData("\"location\": \"南门入口\"", "\"location\": \"南门\\u0000入口\"", "(jiahua/cam-south-gate).location: at most 128 characters, no control characters")]
    [InlineData("\"type\": \"elevator-car\"", "\"type\": \"Elevator Car\"", "sites[0] (jiahua).zones[1] (lift-24a): type 'Elevator Car' must match")]
    [InlineData("\"streamUrl\": \"rtsp://10.0.0.21/main\"", "\"streamUrl\": \"not a url\"", "streamUrl 'not a url' is not an absolute URL")]
    [InlineData("\"intervalS\": 30,", "\"intervalS\": 30, \"colour\": \"red\",", "registry is not valid JSON at line 11")]
    public void Refuses_a_bad_entry_with_a_message_naming_it(string find, string replace, string expectedError)
    {
        Assert.Contains(find, Valid, StringComparison.Ordinal);
        var result = Import(Valid.Replace(find, replace, StringComparison.Ordinal));
        Assert.False(result.IsSuccess);
        Assert.Contains(result.Errors, e => e.Contains(expectedError, StringComparison.Ordinal));
    }

    [Fact]
    public void Reports_every_problem_at_once()
    {
        var json = Valid.Replace("\"kind\": \"camera\"", "\"kind\": \"doorbell\"", StringComparison.Ordinal)
            .Replace("\"circuit\": \"corridor\"", "\"circuit\": \"kitchen\"", StringComparison.Ordinal);
        Assert.Equal(2, Import(json).Errors.Count);
    }

    [Theory]
    [InlineData("{}", "registry: \"sites\" is missing")]
    [InlineData("", "registry is not valid JSON")]
    [InlineData("{\"sites\": [", "registry is not valid JSON")]
    public void Refuses_documents_that_are_not_registries(string json, string expectedError)
    {
        var result = Import(json);
        Assert.False(result.IsSuccess);
        Assert.StartsWith(expectedError, result.Errors[0], StringComparison.Ordinal);
    }
}
