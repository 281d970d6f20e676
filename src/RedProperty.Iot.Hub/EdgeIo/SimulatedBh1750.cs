using System.Buffers.Binary;
using System.Device.I2c;

namespace RedProperty.Iot.Hub.EdgeIo;

/// <summary>
/// A BH1750 ambient light sensor on a simulated I²C bus, answering as the chip does (a measurement is
/// two bytes, big-endian, 1.2 counts per lux), so the real Iot.Device.Bindings driver runs over it.
/// Its light follows the sun at the site unless a test or demo sets it.
/// </summary>
public sealed class SimulatedBh1750(Site site, TimeProvider time) : I2cDevice
{
    private readonly Lock _gate = new();
    private double? _lux;

    public override I2cConnectionSettings ConnectionSettings { get; } = new(1, 0x23);

    /// <summary>Sets the light the sensor sees; null goes back to following the sun.</summary>
    public void SetLux(double? lux)
    {
        lock (_gate)
        {
            _lux = lux;
        }
    }

    public double Lux
    {
        get
        {
            lock (_gate)
            {
                return _lux ?? Daylight();
            }
        }
    }

    public int Reads { get; private set; }

    public override byte ReadByte() => throw new NotSupportedException("the BH1750 answers with two bytes");

    public override void Read(Span<byte> buffer)
    {
        Reads++;
        var counts = (ushort)Math.Clamp(Math.Round(Lux * 1.2), 0, ushort.MaxValue);
        BinaryPrimitives.WriteUInt16BigEndian(buffer, counts);
    }

    public override void WriteByte(byte value)
    {
        // Power on, reset, measurement time and mode commands: nothing to simulate.
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer) => Read(readBuffer);

    /// <summary>Open-sky light by the sun's elevation: about 10 000 lx and more by day, under 1 lx at night.</summary>
    private double Daylight()
    {
        if (site.Latitude is not { } latitude || site.Longitude is not { } longitude)
        {
            return 500;
        }

        var elevation = SolarDarkness.SunElevationDegrees(latitude, longitude, time.GetUtcNow());
        return elevation switch
        {
            > 10 => 10_000 + (elevation * 1000),
            > -6 => Math.Max(0.5, 400 * (elevation + 6) / 16),
            _ => 0.2,
        };
    }
}
