using System.Threading.Channels;

namespace RedProperty.Iot.Hub.Devices;

/// <summary>An elevator car as the desk shows it: the last known value of each field.</summary>
public sealed record ElevatorView(
    string Site, string Zone, string DeviceId, long? Floor, bool? DoorOpen, bool? Running, bool? Occupied, string? Fault, DateTimeOffset At);

/// <summary>
/// The last 15 minutes of a charger's current or a lamp's light, one value per step (the highest
/// reading in it), <c>null</c> where nothing arrived; the first value is the step starting at <see cref="From"/>.
/// </summary>
public sealed record SeriesView(string Site, string Zone, string DeviceId, string Kind, string Metric, DateTimeOffset From, int StepS, IReadOnlyList<double?> Values);

/// <summary>
/// The short in-memory history the desk draws its sparklines and elevator panel from. Nothing here is
/// durable: InfluxDB holds the real time series; this only has to cover what a screen shows.
/// </summary>
public sealed class DeviceReadings
{
    private readonly Channel<ElevatorView> _elevatorChanges = Channel.CreateBounded<ElevatorView>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    /// <summary>Elevator cars whose floor, door, running, occupancy or fault changed, for the live panel.</summary>
    public ChannelReader<ElevatorView> ElevatorChanges => _elevatorChanges.Reader;

    public void Record(DeviceState state, DeviceTelemetry telemetry, DateTimeOffset at)
    {
        state.RecordReading(telemetry, at);
        switch (telemetry)
        {
            case ChargerTelemetry { CurrentA: { } current }:
                state.Series?.Record(at, current);
                break;
            case LightTelemetry { Lux: { } lux }:
                state.Series?.Record(at, lux);
                break;
            case ElevatorTelemetry elevator when state.MergeElevator(elevator, at) is { } changed:
                _elevatorChanges.Writer.TryWrite(changed);
                break;
        }
    }
}

/// <summary>A ring of fixed time steps holding the highest reading of each.</summary>
public sealed class RecentSeries(string metric)
{
    public const int Steps = 60;
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(15);
    private static readonly long StepMs = (long)Step.TotalMilliseconds;

    private readonly Lock _gate = new();
    private readonly double[] _values = new double[Steps];
    private readonly long[] _stepOfSlot = new long[Steps];

    /// <summary>What the values are: <c>currentA</c> for chargers, <c>lux</c> for lights.</summary>
    public string Metric { get; } = metric;

    public void Record(DateTimeOffset at, double value)
    {
        var step = at.ToUnixTimeMilliseconds() / StepMs;
        var slot = (int)(step % Steps);
        lock (_gate)
        {
            if (_stepOfSlot[slot] == step)
            {
                _values[slot] = Math.Max(_values[slot], value);
            }
            else if (_stepOfSlot[slot] < step)
            {
                _stepOfSlot[slot] = step;
                _values[slot] = value;
            }
        }
    }

    /// <summary>The <see cref="Steps"/> steps ending with the one holding <paramref name="now"/>.</summary>
    public (DateTimeOffset From, double?[] Values) Read(DateTimeOffset now)
    {
        var last = now.ToUnixTimeMilliseconds() / StepMs;
        var first = last - Steps + 1;
        var values = new double?[Steps];
        lock (_gate)
        {
            for (var i = 0; i < Steps; i++)
            {
                var slot = (int)((first + i) % Steps);
                values[i] = _stepOfSlot[slot] == first + i ? _values[slot] : null;
            }
        }

        return (DateTimeOffset.FromUnixTimeMilliseconds(first * StepMs), values);
    }

    public static RecentSeries? For(DeviceKind kind) => kind switch
    {
        DeviceKind.Charger => new RecentSeries("currentA"),
        DeviceKind.Light => new RecentSeries("lux"),
        _ => null,
    };
}
