namespace RedProperty.Iot.FirmwareSim.Commands;

/// <summary>
/// What a <c>load</c> run counts. A message published before the warm-up ends is sent and waited for
/// like any other but stays out of the measured figures (count, rate, latency), so a start-up with
/// cold JIT, empty pools and connecting devices does not colour them.
/// </summary>
public sealed class LoadTally
{
    private long _measureFrom = long.MaxValue;
    private readonly List<double>[] _latencies;
    private long _total;
    private long _totalAcknowledged;
    private long _totalFailed;
    private long _sent;
    private long _acknowledged;
    private long _failed;

    /// <param name="devices">Devices publishing; each keeps its own latency samples.</param>
    public LoadTally(int devices)
    {
        _latencies = Enumerable.Range(0, devices).Select(_ => new List<double>(1024)).ToArray();
    }

    /// <summary>Stopwatch timestamp at which the warm-up ended; <see cref="long.MaxValue"/> until then.</summary>
    public long MeasureFrom => Interlocked.Read(ref _measureFrom);

    /// <summary>Every message published so far, warm-up included.</summary>
    public long Total => Interlocked.Read(ref _total);

    public long TotalAcknowledged => Interlocked.Read(ref _totalAcknowledged);

    public long TotalFailed => Interlocked.Read(ref _totalFailed);

    /// <summary>Ends the warm-up: publishes from <paramref name="at"/> (a stopwatch timestamp) on are measured.</summary>
    public void StartMeasuring(long at) => Interlocked.Exchange(ref _measureFrom, at);

    /// <summary>Counts a publish; true when it falls in the measured window.</summary>
    public bool Published(long publishedAt)
    {
        Interlocked.Increment(ref _total);
        if (publishedAt < MeasureFrom)
        {
            return false;
        }

        Interlocked.Increment(ref _sent);
        return true;
    }

    /// <param name="latencyMs">Publish to acknowledgement; none for QoS 0, which has no acknowledgement.</param>
    public void Acknowledged(int device, bool measured, double? latencyMs)
    {
        Interlocked.Increment(ref _totalAcknowledged);
        if (!measured)
        {
            return;
        }

        Interlocked.Increment(ref _acknowledged);
        if (latencyMs is { } ms)
        {
            var samples = _latencies[device];
            lock (samples)
            {
                samples.Add(ms);
            }
        }
    }

    public void Failed(bool measured)
    {
        Interlocked.Increment(ref _totalFailed);
        if (measured)
        {
            Interlocked.Increment(ref _failed);
        }
    }

    /// <param name="seconds">Length of the measured window.</param>
    public LoadCommand.LoadResult Result(double seconds)
    {
        var all = _latencies.SelectMany(l => l).Order().ToArray();
        var sent = Interlocked.Read(ref _sent);
        return new LoadCommand.LoadResult(
            sent, Interlocked.Read(ref _acknowledged), Interlocked.Read(ref _failed), seconds, seconds > 0 ? sent / seconds : 0,
            Percentile(all, 0.50), Percentile(all, 0.99), all.Length > 0 ? all[^1] : 0, Total);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
