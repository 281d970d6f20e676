using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;

namespace RedProperty.Iot.Hub.Journal;

/// <summary>
/// A record on disk (little-endian; docs/journal.md): a 32-byte header — magic <c>9E 4A B1 7C</c>, data length
/// (int32), sequence number (int64), append time (unix ms, int64), CRC-32 of the data, CRC-32 of the 28 header bytes
/// before it — then the data. The magic and the header CRC let a reader find the next record after a damaged one.
/// </summary>
internal static class JournalFormat
{
    public const int HeaderBytes = 32;
    public const int MaxDataBytes = 1 << 20;
    public const string Extension = ".journal";

    private const uint Magic = 0x7CB14A9E;
    private const int CheckedHeaderBytes = 28;

    private static ReadOnlySpan<byte> MagicBytes => [0x9E, 0x4A, 0xB1, 0x7C];

    public static string FileName(long firstSequence) => firstSequence.ToString("D20", CultureInfo.InvariantCulture) + Extension;

    public static bool TryParseFileName(string path, out long firstSequence) =>
        long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out firstSequence) && firstSequence > 0;

    public static void Write(Span<byte> target, long sequence, long appendedAtMs, uint dataCrc, ReadOnlySpan<byte> data)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(target, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(target[4..], data.Length);
        BinaryPrimitives.WriteInt64LittleEndian(target[8..], sequence);
        BinaryPrimitives.WriteInt64LittleEndian(target[16..], appendedAtMs);
        BinaryPrimitives.WriteUInt32LittleEndian(target[24..], dataCrc);
        BinaryPrimitives.WriteUInt32LittleEndian(target[CheckedHeaderBytes..], Crc32.HashToUInt32(target[..CheckedHeaderBytes]));
        data.CopyTo(target[HeaderBytes..]);
    }

    /// <summary>Checks the record at the start of <paramref name="span"/>; <paramref name="needed"/> is its whole size once the header is known.</summary>
    public static RecordCheck Check(ReadOnlySpan<byte> span, out RecordHeader header, out int needed)
    {
        header = default;
        needed = HeaderBytes;
        if (span.Length < HeaderBytes)
        {
            return RecordCheck.Incomplete;
        }

        if (!TryReadHeader(span, out header))
        {
            return RecordCheck.BadHeader;
        }

        needed = header.TotalBytes;
        if (span.Length < needed)
        {
            return RecordCheck.Incomplete;
        }

        return Crc32.HashToUInt32(span.Slice(HeaderBytes, header.Length)) == header.DataCrc ? RecordCheck.Ok : RecordCheck.BadData;
    }

    /// <summary>Where in <paramref name="span"/> the first whole header with a good CRC starts, or -1.</summary>
    public static int IndexOfHeader(ReadOnlySpan<byte> span)
    {
        var from = 0;
        while (from < span.Length)
        {
            var found = span[from..].IndexOf(MagicBytes);
            if (found < 0)
            {
                return -1;
            }

            var at = from + found;
            if (at + HeaderBytes > span.Length)
            {
                return -1;
            }

            if (TryReadHeader(span[at..], out _))
            {
                return at;
            }

            from = at + 1;
        }

        return -1;
    }

    private static bool TryReadHeader(ReadOnlySpan<byte> span, out RecordHeader header)
    {
        header = default;
        if (BinaryPrimitives.ReadUInt32LittleEndian(span) != Magic
            || Crc32.HashToUInt32(span[..CheckedHeaderBytes]) != BinaryPrimitives.ReadUInt32LittleEndian(span[CheckedHeaderBytes..]))
        {
            return false;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(span[4..]);
        if (length is < 0 or > MaxDataBytes)
        {
            return false;
        }

        header = new RecordHeader(
            length,
            BinaryPrimitives.ReadInt64LittleEndian(span[8..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[16..]),
            BinaryPrimitives.ReadUInt32LittleEndian(span[24..]));
        return true;
    }
}

internal readonly record struct RecordHeader(int Length, long Sequence, long AppendedAtMs, uint DataCrc)
{
    public int TotalBytes => JournalFormat.HeaderBytes + Length;
}

internal enum RecordCheck
{
    Ok,

    /// <summary>The span ends inside the record.</summary>
    Incomplete,

    /// <summary>No magic, a header CRC that does not match, or an impossible length: the record's boundary is unknown.</summary>
    BadHeader,

    /// <summary>The header is good (so is its length) but the data's CRC does not match.</summary>
    BadData,
}
