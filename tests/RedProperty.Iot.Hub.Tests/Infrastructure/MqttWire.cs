using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>
/// MQTT packets as bytes (encoded by MQTTnet's own formatter), and raw TCP connections that send them
/// however a hostile client would: in pieces, truncated, oversized, without reading the answers.
/// </summary>
public static class MqttWire
{
    public static byte[] Encode(MqttPacket packet, MqttProtocolVersion version) =>
        new MqttPacketFormatterAdapter(version, new MqttBufferWriter(4096, 65535)).Encode(packet).ToArray();

    public static byte[] Connect(MqttProtocolVersion version, string? userName, string? password, string clientId = "", bool cleanSession = true, ushort keepAlive = 60, uint sessionExpiry = 0) =>
        Encode(new MqttConnectPacket
        {
            ClientId = clientId,
            Username = userName,
            Password = password is null ? null : Encoding.UTF8.GetBytes(password),
            CleanSession = cleanSession,
            KeepAlivePeriod = keepAlive,
            SessionExpiryInterval = sessionExpiry,
        }, version);

    /// <summary>An MQTT 3.1.1 CONNECT written by hand, for combinations MQTTnet's encoder refuses to make (an empty client id without a clean session).</summary>
    public static byte[] Connect311(string userName, string password, string clientId, bool cleanSession)
    {
        var body = new List<byte> { 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, (byte)(0xC0 | (cleanSession ? 0x02 : 0)), 0, 60 };
        foreach (var text in new[] { clientId, userName, password })
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            body.Add((byte)(bytes.Length >> 8));
            body.Add((byte)bytes.Length);
            body.AddRange(bytes);
        }

        return [0x10, .. VariableLength(body.Count), .. body];
    }

    public static byte[] Publish(MqttProtocolVersion version, string topic, string payload, MqttQualityOfServiceLevel qos, ushort packetId = 1) =>
        Encode(new MqttPublishPacket
        {
            Topic = topic,
            PayloadSegment = Encoding.UTF8.GetBytes(payload),
            QualityOfServiceLevel = qos,
            PacketIdentifier = qos == MqttQualityOfServiceLevel.AtMostOnce ? (ushort)0 : packetId,
        }, version);

    /// <summary>The fixed header of a PUBLISH whose remaining length claims <paramref name="remainingLength"/> bytes.</summary>
    public static byte[] PublishHeader(int remainingLength, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce)
    {
        var header = new List<byte> { (byte)(0x30 | ((int)qos << 1)) };
        header.AddRange(VariableLength(remainingLength));
        return [.. header];
    }

    /// <summary>A CONNECT fixed header that claims <paramref name="remainingLength"/> bytes of body.</summary>
    public static byte[] ConnectHeader(int remainingLength) => [0x10, .. VariableLength(remainingLength)];

    public static IEnumerable<byte> VariableLength(int value)
    {
        do
        {
            var digit = (byte)(value % 128);
            value /= 128;
            yield return value > 0 ? (byte)(digit | 0x80) : digit;
        }
        while (value > 0);
    }

    /// <summary>A plain TCP connection to the hub's MQTT port, optionally from another loopback address.</summary>
    public static async Task<TcpClient> OpenAsync(int port, IPAddress? from = null)
    {
        var client = from is null ? new TcpClient(AddressFamily.InterNetwork) : new TcpClient(new IPEndPoint(from, 0));
        client.NoDelay = true;
        await client.ConnectAsync(IPAddress.Loopback, port);
        return client;
    }

    /// <summary>Logs in over a raw socket and returns the CONNACK's reason (v5) or return code (3.1.1).</summary>
    public static async Task<(TcpClient Client, int Code)> LoginAsync(int port, MqttProtocolVersion version, string userName, string password, string clientId, IPAddress? from = null, bool cleanSession = true)
    {
        var client = await OpenAsync(port, from);
        var stream = client.GetStream();
        await stream.WriteAsync(version == MqttProtocolVersion.V311 ? Connect311(userName, password, clientId, cleanSession) : Connect(version, userName, password, clientId, cleanSession));
        var connAck = await ReadPacketAsync(stream, TimeSpan.FromSeconds(30));
        if (connAck is null || connAck[0] != 0x20)
        {
            return (client, -1);
        }

        // CONNACK: fixed header, remaining length (one byte here), flags, code.
        return (client, connAck[3]);
    }

    /// <summary>Reads one whole packet (fixed header included), or null when the hub closed the connection.</summary>
    public static async Task<byte[]?> ReadPacketAsync(NetworkStream stream, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var first = new byte[1];
        try
        {
            if (await stream.ReadAsync(first, cancel.Token) == 0)
            {
                return null;
            }

            var header = new List<byte> { first[0] };
            int length = 0, multiplier = 1;
            byte next;
            do
            {
                if (await stream.ReadAsync(first, cancel.Token) == 0)
                {
                    return null;
                }

                next = first[0];
                header.Add(next);
                length += (next & 0x7F) * multiplier;
                multiplier *= 128;
            }
            while ((next & 0x80) != 0);

            var body = new byte[length];
            await stream.ReadExactlyAsync(body, cancel.Token);
            return [.. header, .. body];
        }
        catch (EndOfStreamException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>True when the hub closes the connection within <paramref name="within"/> (reading and discarding what it sends).</summary>
    public static async Task<bool> ClosedByHubAsync(TcpClient client, TimeSpan within)
    {
        if (!client.Connected)
        {
            return true;
        }

        var stream = client.GetStream();
        var buffer = new byte[4096];
        using var cancel = new CancellationTokenSource(within);
        try
        {
            while (await stream.ReadAsync(buffer, cancel.Token) > 0)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>
    /// Writes <paramref name="total"/> bytes of filler after <paramref name="header"/>, and returns how many
    /// the hub took before it closed the connection (all of them when it never did).
    /// </summary>
    public static async Task<long> StreamUntilClosedAsync(TcpClient client, byte[] header, long total)
    {
        var stream = client.GetStream();
        var chunk = new byte[64 * 1024];
        long sent = 0;
        try
        {
            await stream.WriteAsync(header);
            while (sent < total)
            {
                var size = (int)Math.Min(chunk.Length, total - sent);
                await stream.WriteAsync(chunk.AsMemory(0, size));
                sent += size;
            }
        }
        catch (IOException)
        {
        }

        return sent;
    }

    public static ReadOnlySequence<byte> Sequence(byte[] bytes) => new(bytes);
}
