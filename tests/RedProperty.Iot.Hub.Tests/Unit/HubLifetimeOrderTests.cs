using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Unit;

/// <summary>
/// The host starts hosted services in registration order and stops them in reverse: HubApp's list of
/// features is the hub's start order. These are the orderings shutdown relies on.
/// </summary>
public sealed class HubLifetimeOrderTests : IAsyncDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("rp-order-").FullName;
    private readonly WebApplication _app;
    private readonly List<string> _order;

    public HubLifetimeOrderTests()
    {
        _app = HubApp.Create([
            "--Hub:DataDir", _dataDir, "--Hub:Registry", TestRegistry.Write(_dataDir), "--Influx:Version", "none",
            "--Http:Urls", "http://127.0.0.1:0", "--Mqtt:Port", "0", "--Mqtt:BindAddress", "127.0.0.1",
            "--Gpio:Driver", "virtual", "--Gpio:SirenPin", "17", "--Gpio:Site", TestRegistry.Site]);
        _order = _app.Services.GetServices<IHostedService>().Select(s => s.GetType().Name).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Theory]
    // The journal's consumers resume from their cursors before devices are let in; the pipeline judges
    // with the rules' restored state and hands its signals to a loaded alert service.
    [InlineData("TimeSeriesShipper", "MqttHostedServer")]
    [InlineData("AlertPipeline", "MqttHostedServer")]
    [InlineData("DeviceWatch", "AlertPipeline")]
    [InlineData("AlertService", "AlertPipeline")]
    // The alert service writes its last changes after the inputs that raise alerts are quiet.
    [InlineData("AlertService", "EdgeIoService")]
    [InlineData("AlertService", "CameraEvidenceService")]
    [InlineData("AlertService", "DeskBroadcaster")]
    [InlineData("AlertService", "MqttHostedServer")]
    [InlineData("AlertService", "AlertTimers")]
    [InlineData("MonthlyReportService", "MqttHostedServer")]
    // The broker stops taking device messages first of all.
    [InlineData("DeskSessionWatch", "MqttHostedServer")]
    [InlineData("MqttHostedServer", "BrokerShutdown")]
    public void Starts_before_and_stops_after(string first, string then)
    {
        var a = _order.IndexOf(first);
        var b = _order.IndexOf(then);
        Assert.True(a >= 0, $"{first} is not a hosted service: {string.Join(", ", _order)}");
        Assert.True(b >= 0, $"{then} is not a hosted service: {string.Join(", ", _order)}");
        Assert.True(a < b, $"{first} must start before {then} (and stop after it): {string.Join(", ", _order)}");
    }
}
