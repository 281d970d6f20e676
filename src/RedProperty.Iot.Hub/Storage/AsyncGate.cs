namespace RedProperty.Iot.Hub.Storage;

/// <summary>
/// One at a time: runs work while holding the gate and lets go of it however the work ends, so the
/// wait/try/finally is written once. Waits asynchronously only: callers that cannot await read memory
/// behind a lock of their own instead.
/// </summary>
public sealed class AsyncGate
{
    // Never disposed: a SemaphoreSlim holds nothing to dispose unless its AvailableWaitHandle is used.
    private readonly SemaphoreSlim _semaphore = new(1, 1);

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        await _semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await work(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _semaphore.Release();
        }
    }

    public async Task RunAsync(Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        await _semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await work(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _semaphore.Release();
        }
    }
}
