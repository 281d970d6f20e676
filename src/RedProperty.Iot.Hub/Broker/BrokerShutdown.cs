using MQTTnet.Protocol;
using MQTTnet.Server;

namespace RedProperty.Iot.Hub.Broker;

/// <summary>
/// Disconnects the devices as soon as the hub begins to stop. Kestrel stops before the hosted MQTT
/// server and waits for open connections, and device connections only end when the broker stops:
/// without this, every stop with devices online waited out the whole shutdown timeout (30 s).
/// Devices are told the server is shutting down (MQTT 5) and resend unacknowledged messages on reconnect;
/// the last wills the broker publishes for them on the way out are not taken as the devices going offline.
/// </summary>
public sealed partial class BrokerShutdown(MqttServer server, DeviceBroker broker, ILogger<BrokerShutdown> logger) : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        broker.Stopping();
        var options = new MqttServerStopOptions();
        options.DefaultClientDisconnectOptions.ReasonCode = MqttDisconnectReasonCode.ServerShuttingDown;
        await server.StopAsync(options).WaitAsync(cancellationToken).ConfigureAwait(false);
        LogDevicesDisconnected(logger);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Broker stopped: devices disconnected")]
    private static partial void LogDevicesDisconnected(ILogger logger);
}
