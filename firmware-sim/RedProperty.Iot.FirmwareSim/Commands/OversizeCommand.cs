using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.FirmwareSim.Devices;

namespace RedProperty.Iot.FirmwareSim.Commands;

/// <summary>
/// <c>oversize</c>: devices log in and each sends one PUBLISH of the given size, as fast as the broker
/// takes it; prints how many bytes the broker took before it closed the connection (or all of them).
/// </summary>
public static class OversizeCommand
{
    public static async Task<int> RunAsync(string registryPath, string host, int port, int count, long bytes, TextWriter output, CancellationToken cancellationToken)
    {
        var identities = RegistryFile.ReadIdentities(registryPath).Take(count).ToArray();
        var started = Stopwatch.GetTimestamp();
        var taken = await Task.WhenAll(identities.Select(identity => SendAsync(host, port, identity, bytes, cancellationToken))).ConfigureAwait(false);
        foreach (var (identity, took) in identities.Zip(taken))
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {identity.UserName}: {(took < 0 ? "login refused" : $"{took / 1e6:F1} MB of {bytes / 1e6:F0} MB taken")}")).ConfigureAwait(false);
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"RESULT oversize publishes={identities.Length} size_mb={bytes / 1e6:F0} taken_mb_max={taken.Max() / 1e6:F1} seconds={Stopwatch.GetElapsedTime(started).TotalSeconds:F1}")).ConfigureAwait(false);
        return 0;
    }

    private static async Task<long> SendAsync(string host, int port, DeviceIdentity identity, long bytes, CancellationToken cancellationToken)
    {
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
        var stream = client.GetStream();
        var connect = new MqttPacketFormatterAdapter(MqttProtocolVersion.V311, new MqttBufferWriter(4096, 65535)).Encode(new MqttConnectPacket
        {
            ClientId = $"oversize-{identity.Id}",
            Username = identity.UserName,
            Password = Encoding.UTF8.GetBytes(identity.Secret),
            CleanSession = true,
            KeepAlivePeriod = 60,
        }).ToArray();
        await stream.WriteAsync(connect, cancellationToken).ConfigureAwait(false);
        var connAck = new byte[4];
        await stream.ReadExactlyAsync(connAck, cancellationToken).ConfigureAwait(false);
        if (connAck[3] != 0)
        {
            return -1;
        }

        // A QoS 1 PUBLISH whose remaining length says it all, then the bytes.
        var topic = Encoding.UTF8.GetBytes($"rp/{identity.Site}/{identity.Kind.ToWire()}/{identity.Id}/telemetry");
        var remaining = 2 + topic.Length + 2 + bytes;
        var header = new List<byte> { 0x32 };
        do
        {
            var digit = (byte)(remaining % 128);
            remaining /= 128;
            header.Add(remaining > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (remaining > 0);

        header.AddRange([(byte)(topic.Length >> 8), (byte)topic.Length, .. topic, 0, 1]);
        long sent = 0;
        var chunk = new byte[256 * 1024];
        try
        {
            await stream.WriteAsync(header.ToArray(), cancellationToken).ConfigureAwait(false);
            while (sent < bytes)
            {
                var size = (int)Math.Min(chunk.Length, bytes - sent);
                await stream.WriteAsync(chunk.AsMemory(0, size), cancellationToken).ConfigureAwait(false);
                sent += size;
            }

            // Wait for the broker's verdict: a PUBACK (or a close) once it has it all.
            var answer = new byte[4];
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(TimeSpan.FromSeconds(30));
            await stream.ReadAsync(answer, wait.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
        {
        }

        return sent;
    }
}
