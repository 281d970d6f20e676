using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using MQTTnet.Adapter;
using MQTTnet.AspNetCore;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Server;

namespace RedProperty.Iot.Hub.Broker.Transport;

/// <summary>
/// Hands MQTT connections (TCP, TLS and WebSockets) to the embedded broker, as MQTTnet.AspNetCore's own
/// handler does, but reads them through the transport guard and the <see cref="GuardedChannelAdapter"/>.
/// </summary>
public sealed class GuardedMqttConnectionHandler(MqttTransportGuard guard) : ConnectionHandler, IMqttServerAdapter
{
    private MqttServerOptions? _serverOptions;

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        // Over WebSockets the frames must be binary.
        if (connection.Features.Get<ITransferFormatFeature>() is { } transferFormat)
        {
            transferFormat.ActiveFormat = TransferFormat.Binary;
        }

        var guarded = guard.Guard(connection);
        var options = _serverOptions ?? throw new InvalidOperationException("the MQTT server has not started");
        var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax));
        using var adapter = new GuardedChannelAdapter(new MqttConnectionContext(formatter, connection), guarded, guard.Limits);
        if (ClientHandler is { } clientHandler)
        {
            await clientHandler(adapter).ConfigureAwait(false);
        }
    }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        _serverOptions = options;
        return Task.CompletedTask;
    }

    public Task StopAsync() => Task.CompletedTask;

    public void Dispose()
    {
    }
}
