using System.Text;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.FirmwareSim.Devices;

namespace RedProperty.Iot.FirmwareSim.Fuzzing;

/// <summary>
/// Makes MQTT packets of every type (encoded by MQTTnet's own formatter, so they start out valid) and
/// breaks them the ways a broken or hostile client does: cut short, bits flipped, a lying remaining
/// length, a wrong type or flags, bytes inserted, repeated, or plain garbage. Deterministic for a seed.
/// </summary>
public sealed class MqttPacketMutator(Random random)
{
    private static readonly string[] Topics =
    [
        "rp/{site}/{kind}/{id}/telemetry", "rp/{site}/{kind}/{id}/event", "rp/{site}/{kind}/{id}/status", "rp/{site}/{kind}/{id}/cmd",
        "rp/{site}/light/other/telemetry", "rp/#", "#", "+/+/+", "$SYS/broker", "$share/hubs/rp/#", "rp/{site}/report/monthly", "rp//x//", "a\u0000b",
    ];

    private static readonly string[] Payloads =
    [
        "{\"online\":true}", "{\"on\":true,\"lux\":NaN}", "{\"currentA\":1e308}", "{", "[]", "null", "{\"type\":\"alarm_button\"}",
        "{\"floor\":\"x\",\"fault\":{\"a\":[1,2,{\"b\":null}]}}", "\u00ff\u00fe", string.Empty,
    ];

    public byte[] Packet(MqttProtocolVersion version, DeviceIdentity identity)
    {
        var type = random.Next(15);
        MqttPacket packet = type switch
        {
            0 => Connect(identity, validCredentials: random.Next(2) == 0),
            1 => Publish(identity),
            2 => new MqttPubAckPacket { PacketIdentifier = PacketId(), ReasonCode = (MqttPubAckReasonCode)random.Next(256) },
            3 => new MqttPubRecPacket { PacketIdentifier = PacketId() },
            4 => new MqttPubRelPacket { PacketIdentifier = PacketId() },
            5 => new MqttPubCompPacket { PacketIdentifier = PacketId() },
            6 => Subscribe(identity),
            7 => Unsubscribe(identity),
            8 => new MqttPingReqPacket(),
            9 => new MqttPingRespPacket(),
            10 => new MqttDisconnectPacket { ReasonCode = (MqttDisconnectReasonCode)random.Next(256), SessionExpiryInterval = (uint)random.Next() },
            11 => new MqttConnAckPacket { ReasonCode = MqttConnectReasonCode.Success },
            12 => new MqttSubAckPacket { PacketIdentifier = PacketId(), ReasonCodes = [MqttSubscribeReasonCode.GrantedQoS0] },
            13 when version == MqttProtocolVersion.V500 => new MqttAuthPacket { AuthenticationMethod = Text(1, 20), AuthenticationData = Bytes(0, 64) },
            _ => Publish(identity),
        };

        byte[] bytes;
        try
        {
            bytes = new MqttPacketFormatterAdapter(version, new MqttBufferWriter(4096, 1 << 20)).Encode(packet).ToArray();
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttProtocolViolationException or ArgumentException or NotSupportedException)
        {
            // Some combinations MQTTnet refuses to encode; garbage is as good a case.
            bytes = Bytes(1, 64);
        }

        return Mutate(bytes);
    }

    /// <summary>A valid CONNECT for <paramref name="identity"/> (to reach the logged-in state).</summary>
    public static byte[] Login(MqttProtocolVersion version, DeviceIdentity identity, string clientId) =>
        new MqttPacketFormatterAdapter(version, new MqttBufferWriter(4096, 65535)).Encode(new MqttConnectPacket
        {
            ClientId = clientId,
            Username = identity.UserName,
            Password = Encoding.UTF8.GetBytes(identity.Secret),
            CleanSession = true,
            KeepAlivePeriod = 60,
        }).ToArray();

    private byte[] Mutate(byte[] bytes)
    {
        switch (random.Next(10))
        {
            case 0:
                return bytes;
            case 1:
                return bytes[..random.Next(1, Math.Max(2, bytes.Length))];
            case 2:
                for (var i = random.Next(1, 8); i > 0; i--)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }

                return bytes;
            case 3:
                // A lying remaining length: longer or shorter than the body, or a varint that never ends.
                var lengths = new[] { new byte[] { 0xFF, 0xFF, 0xFF, 0x7F }, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0x00], [0x80, 0x80, 0x80, 0x01], [(byte)random.Next(128)] };
                return [bytes[0], .. lengths[random.Next(lengths.Length)], .. bytes[Math.Min(bytes.Length, 2)..]];
            case 4:
                bytes[0] = (byte)((random.Next(16) << 4) | (bytes[0] & 0x0F));
                return bytes;
            case 5:
                bytes[0] = (byte)((bytes[0] & 0xF0) | random.Next(16));
                return bytes;
            case 6:
                var at = random.Next(bytes.Length);
                return [.. bytes[..at], .. Bytes(1, 32), .. bytes[at..]];
            case 7:
                return [.. Enumerable.Repeat(bytes, random.Next(2, 20)).SelectMany(b => b)];
            case 8:
                return Bytes(1, 2048);
            default:
                return [.. bytes, .. Bytes(1, 16)];
        }
    }

    private MqttConnectPacket Connect(DeviceIdentity identity, bool validCredentials) => new()
    {
        ClientId = random.Next(4) == 0 ? string.Empty : Text(1, 40),
        Username = validCredentials ? identity.UserName : random.Next(3) == 0 ? null : Text(0, 80),
        Password = validCredentials ? Encoding.UTF8.GetBytes(identity.Secret) : random.Next(3) == 0 ? null : Bytes(0, 64),
        CleanSession = random.Next(2) == 0,
        KeepAlivePeriod = (ushort)random.Next(ushort.MaxValue + 1),
        WillFlag = random.Next(3) == 0,
        WillTopic = Topic(identity),
        WillMessage = Bytes(0, 128),
        WillQoS = (MqttQualityOfServiceLevel)random.Next(3),
        WillRetain = random.Next(2) == 0,
        SessionExpiryInterval = (uint)random.Next(),
        ReceiveMaximum = (ushort)random.Next(ushort.MaxValue + 1),
        MaximumPacketSize = (uint)random.Next(),
        TopicAliasMaximum = (ushort)random.Next(ushort.MaxValue + 1),
        RequestProblemInformation = random.Next(2) == 0,
        AuthenticationMethod = random.Next(4) == 0 ? Text(1, 16) : null,
        UserProperties = random.Next(3) == 0 ? [new MqttUserProperty(Text(0, 16), new ReadOnlyMemory<byte>(Bytes(0, 16)))] : null,
    };

    private MqttPublishPacket Publish(DeviceIdentity identity)
    {
        var qos = (MqttQualityOfServiceLevel)random.Next(3);
        return new MqttPublishPacket
        {
            Topic = Topic(identity),
            PayloadSegment = random.Next(3) == 0 ? Bytes(0, 4096) : Encoding.UTF8.GetBytes(Payloads[random.Next(Payloads.Length)]),
            QualityOfServiceLevel = qos,
            PacketIdentifier = qos == MqttQualityOfServiceLevel.AtMostOnce ? (ushort)0 : PacketId(),
            Retain = random.Next(4) == 0,
            Dup = random.Next(4) == 0,
            TopicAlias = (ushort)(random.Next(4) == 0 ? random.Next(1, 10) : 0),
            ContentType = random.Next(4) == 0 ? Text(0, 20) : null,
            MessageExpiryInterval = (uint)random.Next(),
            SubscriptionIdentifiers = random.Next(5) == 0 ? [(uint)random.Next(1, 1000)] : null,
        };
    }

    private MqttSubscribePacket Subscribe(DeviceIdentity identity)
    {
        var packet = new MqttSubscribePacket { PacketIdentifier = PacketId() };
        for (var i = random.Next(1, 4); i > 0; i--)
        {
            packet.TopicFilters.Add(new MqttTopicFilter { Topic = Topic(identity), QualityOfServiceLevel = (MqttQualityOfServiceLevel)random.Next(3), NoLocal = random.Next(2) == 0 });
        }

        return packet;
    }

    private MqttUnsubscribePacket Unsubscribe(DeviceIdentity identity)
    {
        var packet = new MqttUnsubscribePacket { PacketIdentifier = PacketId() };
        packet.TopicFilters.Add(Topic(identity));
        return packet;
    }

    private string Topic(DeviceIdentity identity) => random.Next(6) == 0
        ? Text(0, 300)
        : Topics[random.Next(Topics.Length)].Replace("{site}", identity.Site, StringComparison.Ordinal)
            .Replace("{kind}", identity.Kind.ToWire(), StringComparison.Ordinal).Replace("{id}", identity.Id, StringComparison.Ordinal);

    private ushort PacketId() => (ushort)random.Next(ushort.MaxValue + 1);

    private byte[] Bytes(int min, int max)
    {
        var bytes = new byte[random.Next(min, max + 1)];
        random.NextBytes(bytes);
        return bytes;
    }

    private string Text(int min, int max)
    {
        var length = random.Next(min, max + 1);
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            text.Append(random.Next(10) == 0 ? (char)random.Next(0xD7FF) : (char)random.Next(0x20, 0x7F));
        }

        return text.ToString();
    }
}
