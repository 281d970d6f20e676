namespace RedProperty.Iot.Domain.Contract;

public enum SequenceObservation
{
    First,
    InOrder,

    /// <summary>Numbers were skipped: messages lost between device and hub (or never sent).</summary>
    Gap,

    /// <summary>A number seen before or late: a retransmission, a replay or reordering.</summary>
    Duplicate,

    /// <summary>The counter started over (device restart).</summary>
    Reset,
}

/// <summary>
/// Follows a device's <c>seq</c> counter to count lost and repeated messages. A counter that falls
/// back to 0 or 1, or by more than <see cref="ResetDistance"/>, is taken as a device restart.
/// Not thread-safe: one tracker per device, fed in arrival order.
/// </summary>
public sealed class SequenceTracker
{
    public const long ResetDistance = 1000;

    private long? _last;

    public long Missing { get; private set; }

    public long Duplicates { get; private set; }

    public long Resets { get; private set; }

    public SequenceObservation Observe(long seq)
    {
        if (_last is not { } last)
        {
            _last = seq;
            return SequenceObservation.First;
        }

        if (seq == last + 1)
        {
            _last = seq;
            return SequenceObservation.InOrder;
        }

        if (seq > last)
        {
            Missing += seq - last - 1;
            _last = seq;
            return SequenceObservation.Gap;
        }

        if (seq <= 1 || last - seq > ResetDistance)
        {
            Resets++;
            _last = seq;
            return SequenceObservation.Reset;
        }

        Duplicates++;
        return SequenceObservation.Duplicate;
    }
}
