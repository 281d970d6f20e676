using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace RedProperty.Iot.Hub.Journal;

public enum IngestRecordKind : byte
{
    /// <summary>A device message the hub accepted: who sent it, on which channel, its point and its payload.</summary>
    DeviceMessage = 1,

    /// <summary>A point the hub itself made (an alert transition): only its line.</summary>
    Point = 2,
}

/// <summary>
/// What one journal record holds (the journal itself sees only bytes). Layout, little-endian:
/// kind (1), received at (unix ms, 8), flags (1: bit 0 = the device marked it a redelivery, DUP),
/// channel (1), user name (2 + UTF-8), line protocol (4 + UTF-8), payload (the rest).
/// Points leave user name and payload empty.
/// </summary>
public readonly ref struct IngestRecord
{
    private const int FixedBytes = 1 + 8 + 1 + 1 + 2 + 4;
    private const byte DuplicateFlag = 1;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _scratch;

    private IngestRecord(IngestRecordKind kind, long receivedAtMs, bool duplicate, DeviceChannel channel, ReadOnlySpan<byte> userName, ReadOnlySpan<byte> line, ReadOnlySpan<byte> payload)
    {
        Kind = kind;
        ReceivedAtMs = receivedAtMs;
        Duplicate = duplicate;
        Channel = channel;
        UserName = userName;
        Line = line;
        Payload = payload;
    }

    public IngestRecordKind Kind { get; }

    /// <summary>The hub's clock when the message arrived: what time-based rules judge by, also in a replay.</summary>
    public long ReceivedAtMs { get; }

    public DateTimeOffset ReceivedAt => DateTimeOffset.FromUnixTimeMilliseconds(ReceivedAtMs);

    public bool Duplicate { get; }

    public DeviceChannel Channel { get; }

    public ReadOnlySpan<byte> UserName { get; }

    public ReadOnlySpan<byte> Line { get; }

    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>Encodes a device message into a per-thread buffer, valid until the thread's next encode.</summary>
    public static ReadOnlySpan<byte> DeviceMessage(long receivedAtMs, bool duplicate, DeviceChannel channel, string userName, ReadOnlySpan<char> line, ReadOnlySequence<byte> payload)
    {
        var buffer = Scratch();
        var nameBytes = Encoding.UTF8.GetByteCount(userName);
        var lineBytes = Encoding.UTF8.GetByteCount(line);
        var size = FixedBytes + nameBytes + lineBytes + (int)payload.Length;
        var span = buffer.GetSpan(size);
        WriteHeader(span, IngestRecordKind.DeviceMessage, receivedAtMs, duplicate, channel, nameBytes, lineBytes);
        var at = FixedBytes;
        at += Encoding.UTF8.GetBytes(userName, span[at..]);
        at += Encoding.UTF8.GetBytes(line, span[at..]);
        payload.CopyTo(span[at..]);
        buffer.Advance(size);
        return buffer.WrittenSpan;
    }

    /// <summary>Encodes a point the hub made into a per-thread buffer, valid until the thread's next encode.</summary>
    public static ReadOnlySpan<byte> Point(long atMs, string line)
    {
        var buffer = Scratch();
        var lineBytes = Encoding.UTF8.GetByteCount(line);
        var span = buffer.GetSpan(FixedBytes + lineBytes);
        WriteHeader(span, IngestRecordKind.Point, atMs, false, default, 0, lineBytes);
        Encoding.UTF8.GetBytes(line, span[FixedBytes..]);
        buffer.Advance(FixedBytes + lineBytes);
        return buffer.WrittenSpan;
    }

    /// <summary>Reads a record; false when the bytes are not one (a record from a newer hub, or damaged).</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out IngestRecord record)
    {
        record = default;
        if (data.Length < FixedBytes || data[0] is not ((byte)IngestRecordKind.DeviceMessage or (byte)IngestRecordKind.Point))
        {
            return false;
        }

        var nameBytes = BinaryPrimitives.ReadUInt16LittleEndian(data[11..]);
        var lineBytes = BinaryPrimitives.ReadInt32LittleEndian(data[13..]);
        if (lineBytes < 0 || (long)FixedBytes + nameBytes + lineBytes > data.Length)
        {
            return false;
        }

        var rest = data[FixedBytes..];
        record = new IngestRecord(
            (IngestRecordKind)data[0],
            BinaryPrimitives.ReadInt64LittleEndian(data[1..]),
            (data[9] & DuplicateFlag) != 0,
            (DeviceChannel)data[10],
            rest[..nameBytes],
            rest.Slice(nameBytes, lineBytes),
            rest[(nameBytes + lineBytes)..]);
        return true;
    }

    private static void WriteHeader(Span<byte> span, IngestRecordKind kind, long receivedAtMs, bool duplicate, DeviceChannel channel, int nameBytes, int lineBytes)
    {
        span[0] = (byte)kind;
        BinaryPrimitives.WriteInt64LittleEndian(span[1..], receivedAtMs);
        span[9] = duplicate ? DuplicateFlag : (byte)0;
        span[10] = (byte)channel;
        BinaryPrimitives.WriteUInt16LittleEndian(span[11..], checked((ushort)nameBytes));
        BinaryPrimitives.WriteInt32LittleEndian(span[13..], lineBytes);
    }

    private static ArrayBufferWriter<byte> Scratch()
    {
        var buffer = _scratch ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        return buffer;
    }
}
