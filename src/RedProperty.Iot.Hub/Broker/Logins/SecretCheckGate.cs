namespace RedProperty.Iot.Hub.Broker.Logins;

/// <summary>
/// Lets at most <c>SecretChecksAtOnce</c> key-stretched (PBKDF2) secret checks run, with at most
/// <c>SecretCheckQueue</c> waiting: a flood of logins can take that many cores and no more, so the
/// thread pool, the devices' messages and the HTTP endpoints keep theirs.
/// </summary>
public sealed class SecretCheckGate(Transport.MqttLimitsOptions limits)
{
    private readonly SemaphoreSlim _running = new(limits.SecretChecksAtOnce, limits.SecretChecksAtOnce);
    private int _waiting;

    /// <summary>Runs <paramref name="check"/> in turn; null when the queue is full (the caller answers "busy").</summary>
    public async Task<bool?> RunAsync(Func<bool> check, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _waiting) > limits.SecretCheckQueue + limits.SecretChecksAtOnce)
        {
            Interlocked.Decrement(ref _waiting);
            return null;
        }

        try
        {
            await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Interlocked.Decrement(ref _waiting);
            throw;
        }

        try
        {
            return check();
        }
        finally
        {
            _running.Release();
            Interlocked.Decrement(ref _waiting);
        }
    }
}
