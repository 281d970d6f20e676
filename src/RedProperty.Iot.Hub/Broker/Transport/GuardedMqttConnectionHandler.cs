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
    // What the hub writes to a device is a few bytes (CONNACK, PUBACK, the odd command). MQTTnet's default writer
    // buffer of 4 KB per connection was 8 MB of heap with 2 000 devices; the buffer grows for a larger packet and
    // is cut back to WriterBufferKeptBytes after it.
    private const int WriterBufferBytes = 256;
    private const int WriterBufferKeptBytes = 8192;

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
        if (_serverOptions is null)
        {
            throw new InvalidOperationException("the MQTT server has not started");
        }

        var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(WriterBufferBytes, WriterBufferKeptBytes));
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
