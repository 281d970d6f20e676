using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>Bad configuration stops the hub at start with a message that names what is wrong.</summary>
public sealed class HubStartupTests : IDisposable
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("rp-test-").FullName;

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    [Theory]
    [InlineData("Influx:Version", "1", "Influx:Url", "Influx:Url '' must be an absolute URL")]
    [InlineData("Influx:Version", "2", "Influx:Url", "Influx:Org is required")]
    [InlineData("Influx:Version", "7", "Influx:Url", "Influx:Version '7' must be 1, 2 or none")]
    public async Task Invalid_influx_settings_are_named(string key, string value, string otherKey, string expected)
    {
        var settings = new Dictionary<string, string?> { [key] = value, [otherKey] = otherKey == "Influx:Url" ? string.Empty : "1000000" };
        if (key == "Influx:Version" && value == "2")
        {
            settings["Influx:Url"] = "http://127.0.0.1:1";
        }

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => HubHost.StartAsync(settings, _workDir));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Reports:Weights:ResponseSla", "-5", "Reports:Weights must be 0 or more each")]
    [InlineData("Reports:MonthlySnapshot:Delay", "2.00:00:00", "Reports:MonthlySnapshot:Delay must be from 00:00:00")]
    [InlineData("Reports:MonthlySnapshot:RetryEvery", "00:00:00", "Reports:MonthlySnapshot:RetryEvery must be at least 00:00:01")]
    public async Task Invalid_report_settings_are_named(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?> { ["Influx:Version"] = "none", [key] = value };
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => HubHost.StartAsync(settings, _workDir));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Alerts:AcknowledgeWithin", "00:00:00", "Alerts:AcknowledgeWithin must be more than 00:00:00")]
    [InlineData("Staff:SessionCheck", "00:00:00", "Staff:SessionCheck must be from 00:00:01 to 00:05:00")]
    [InlineData("Staff:Login:UserAddresses", "1", "Staff:Login:UserAddresses must be 2 or more")]
    [InlineData("Tls:KeyPath", "/etc/hub.key", "Tls:KeyPath or Tls:Password is set but Tls:CertificatePath is not")]
    [InlineData("Mqtt:Mode", "external", "Mqtt:Mode=external needs Mqtt:ExternalUrl")]
    [InlineData("SignalR:Redis", "127.0.0.1:1", "SignalR:CommandKey must be set when SignalR:Redis is")]
    [InlineData("Cameras:ClipSeconds", "500", "ClipSeconds must be between 0 and 120")]
    [InlineData("Mqtt:Limits:MaxPacketBytes", "10", "MaxPacketBytes must be between 17408 and 16777216")]
    [InlineData("Journal:MaxBytes", "1000000", "Journal:MaxBytes (1000000) must be at least 4 × Journal:SegmentBytes")]
    public async Task Every_section_is_checked_at_start(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?> { ["Influx:Version"] = "none", [key] = value };
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => HubHost.StartAsync(settings, _workDir));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_registry_lists_every_problem_by_entry()
    {
        var registry = Path.Combine(_workDir, "bad-registry.json");
        await File.WriteAllTextAsync(registry, """
            {"sites":[{"id":"s1","timeZone":"Asia/Shanghai","zones":[{"id":"z1"}],
              "devices":[{"id":"d1","kind":"lamp","zone":"z1","secret":"long-enough"},
                         {"id":"d2","kind":"light","zone":"z9","secret":"long-enough"}]}]}
            """);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => HubHost.StartAsync(new Dictionary<string, string?> { ["Hub:Registry"] = registry }, _workDir));
        Assert.Contains("has 2 problem(s)", error.Message, StringComparison.Ordinal);
        Assert.Contains("sites[0] (s1).devices[0] (s1/d1): kind 'lamp'", error.Message, StringComparison.Ordinal);
        Assert.Contains("sites[0] (s1).devices[1] (s1/d2): zone 'z9' is not a zone of site 's1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_registry_file_is_named()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => HubHost.StartAsync(new Dictionary<string, string?> { ["Hub:Registry"] = "/nonexistent/registry.json" }, _workDir));
        Assert.Contains("Hub:Registry '/nonexistent/registry.json' does not exist", error.Message, StringComparison.Ordinal);
    }
}
