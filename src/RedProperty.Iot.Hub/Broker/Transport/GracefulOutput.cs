using System.IO.Pipelines;

namespace RedProperty.Iot.Hub.Broker.Transport;

/// <summary>
/// The connection's output as MQTTnet writes it. When the hub closes a connection on purpose, MQTTnet
/// completes the output with the read's exception, which makes the transport drop what is still
/// unsent — such as the DISCONNECT that says why. Completed without the exception, it is sent first.
/// </summary>
public sealed class GracefulOutput(PipeWriter inner, GuardedConnection connection) : PipeWriter
{
    public override void Advance(int bytes) => inner.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) => inner.WriteAsync(source, cancellationToken);

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => inner.Complete(Graceful(exception));

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(Graceful(exception));

    private Exception? Graceful(Exception? exception) => connection.CloseReason == ConnectionCloseReason.None ? exception : null;
}
