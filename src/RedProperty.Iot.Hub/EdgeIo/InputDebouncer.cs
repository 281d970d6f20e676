namespace RedProperty.Iot.Hub.EdgeIo;

/// <summary>
/// Turns a bouncing contact into clean transitions: after every edge it waits until the input has
/// been steady for the debounce time, then reports the steady state if it differs from the last one.
/// </summary>
public sealed class InputDebouncer : IDisposable
{
    private readonly Func<bool> _readActive;
    private readonly Action<bool> _changed;
    private readonly ITimer _timer;
    private readonly TimeSpan _steadyFor;
    private readonly Lock _gate = new();
    private bool _stable;

    public InputDebouncer(Func<bool> readActive, Action<bool> changed, TimeSpan steadyFor, TimeProvider time)
    {
        _readActive = readActive;
        _changed = changed;
        _steadyFor = steadyFor;
        _stable = readActive();
        _timer = time.CreateTimer(_ => Settle(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The last steady state (true = active).</summary>
    public bool IsActive
    {
        get { lock (_gate) { return _stable; } }
    }

    /// <summary>Called on every edge the pin reports: (re)starts the wait for a steady contact.</summary>
    public void OnEdge() => _timer.Change(_steadyFor, Timeout.InfiniteTimeSpan);

    private void Settle()
    {
        var now = _readActive();
        lock (_gate)
        {
            if (now == _stable)
            {
                return;
            }

            _stable = now;
        }

        _changed(now);
    }

    public void Dispose() => _timer.Dispose();
}
