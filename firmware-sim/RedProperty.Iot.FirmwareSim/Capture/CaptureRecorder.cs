using System.Buffers;
using System.Diagnostics;
using MQTTnet;

namespace RedProperty.Iot.FirmwareSim.Capture;

/// <summary>
/// Subscribes to a broker and writes every message it delivers to a capture. Point it at the broker
/// the devices talk to (e.g. a compound's Mosquitto or EMQX) with an account allowed to read their topics.
/// </summary>
public static class CaptureRecorder
{
    public static async Task<long> RecordAsync(
        Uri broker, string? username, string? password, IReadOnlyList<string> topics, string path, TimeSpan? duration, TextWriter output, CancellationToken cancellationToken)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        // MQTT 5, so subscriptions can ask for the retain flag as the device published it.
        var builder = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId($"rp-record-{Environment.ProcessId}-{Guid.NewGuid():N}")
            .WithCleanSession(true)
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (username is not null)
        {
            builder = builder.WithCredentials(username, password);
        }

        builder = broker.Scheme is "ws" or "wss"
            ? builder.WithWebSocketServer(o => o.WithUri(broker.ToString()))
            : builder.WithTcpServer(broker.Host, broker.Port > 0 ? broker.Port : 1883);

        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await using var writer = new CaptureWriter(path, new CaptureHeader(CaptureHeader.CurrentFormat, startedAt, $"recorded from {broker} ({string.Join(", ", topics)})"));
        client.ApplicationMessageReceivedAsync += e =>
        {
            var message = e.ApplicationMessage;
            writer.Write(CaptureRecord.From(clock.Elapsed, message.Topic, (int)message.QualityOfServiceLevel, message.Retain, message.Payload.ToArray()));
            return Task.CompletedTask;
        };

        MqttClientConnectResult connected;
        try
        {
            connected = await client.ConnectAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException e)
        {
            throw new IOException($"cannot reach the broker at {broker} ({e.Message})", e);
        }

        if (connected.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new IOException($"the broker at {broker} refused the login: {connected.ResultCode}");
        }

        var subscribe = new MqttClientSubscribeOptionsBuilder();
        foreach (var topic in topics)
        {
            subscribe = subscribe.WithTopicFilter(new MqttTopicFilterBuilder().WithTopic(topic).WithAtLeastOnceQoS().WithRetainAsPublished(true).Build());
        }

        var granted = await client.SubscribeAsync(subscribe.Build(), cancellationToken).ConfigureAwait(false);
        var refused = granted.Items.Where(i => (int)i.ResultCode > 2).Select(i => i.TopicFilter.Topic).ToArray();
        if (refused.Length > 0)
        {
            throw new IOException($"the broker refused the subscription to {string.Join(", ", refused)}");
        }

        await output.WriteLineAsync($"recording {string.Join(", ", topics)} from {broker} to {path} (Ctrl+C stops)").ConfigureAwait(false);
        try
        {
            await Task.Delay(duration ?? Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        if (client.IsConnected)
        {
            await client.DisconnectAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }

        await output.WriteLineAsync($"recorded {writer.Count} messages in {clock.Elapsed.TotalSeconds:0.0} s").ConfigureAwait(false);
        return writer.Count;
    }
}
