namespace RedProperty.Iot.Hub.Journal;

public enum JournalAppendOutcome
{
    /// <summary>The record is in the next group commit; <see cref="JournalTicket.WaitDurableAsync"/> says when it is on disk.</summary>
    Appended,

    /// <summary><c>Journal:MaxBytes</c> is reached and only records a consumer that may not lose any (the alert pipeline) has not finished could make room.</summary>
    Full,

    /// <summary>The disk failed (full, read-only, an fsync failed) or the journal is closed; <see cref="IngestJournal.Problem"/> says why.</summary>
    Unavailable,

    /// <summary>The data is larger than <see cref="IngestJournal.MaxRecordBytes"/>.</summary>
    TooLarge,

    /// <summary>The disk does not keep up: more than 16 × <c>Journal:CommitMaxBytes</c> wait for their fsync.</summary>
    Busy,
}

public enum JournalState
{
    /// <summary>Takes appends.</summary>
    Ready,

    /// <summary>The last append was refused because of <c>Journal:MaxBytes</c> (see <see cref="IngestJournal.Problem"/> for the consumer that holds it).</summary>
    Full,

    /// <summary>The disk failed; appends are refused and the journal tries again every second.</summary>
    Unavailable,

    /// <summary>Disposed.</summary>
    Closed,
}

/// <summary>What <see cref="IngestJournal.Append"/> did with a record. Every record of a group commit shares one completion.</summary>
public readonly struct JournalTicket
{
    private readonly Task<bool>? _durable;
    private readonly Task<bool>? _durableInline;

    internal JournalTicket(JournalAppendOutcome outcome, long sequence, Task<bool>? durable, Task<bool>? durableInline = null)
    {
        Outcome = outcome;
        Sequence = sequence;
        _durable = durable;
        _durableInline = durableInline;
    }

    public JournalAppendOutcome Outcome { get; }

    /// <summary>The record's sequence number; 0 when it was not appended.</summary>
    public long Sequence { get; }

    /// <summary>
    /// True once the record is fsynced; false when it was not appended or its group's write or fsync failed. Then the
    /// record counts as never written: it is cut from the segment and no reader is shown it.
    /// </summary>
    public ValueTask<bool> WaitDurableAsync(CancellationToken cancellationToken = default) => Wait(_durable, cancellationToken);

    /// <summary>
    /// As <see cref="WaitDurableAsync"/>, but the continuation runs on the journal's commit thread right after the
    /// fsync: only for sending an acknowledgement, which is short and never blocks (a socket send that cannot go
    /// at once continues elsewhere). Saves a thread-pool hop, and its wake-up, per acknowledged message.
    /// </summary>
    public ValueTask<bool> WaitAcknowledgeableAsync() => Wait(_durableInline ?? _durable, CancellationToken.None);

    private static ValueTask<bool> Wait(Task<bool>? durable, CancellationToken cancellationToken) =>
        durable is null ? new ValueTask<bool>(false)
        : durable.IsCompleted || !cancellationToken.CanBeCanceled ? new ValueTask<bool>(durable)
        : new ValueTask<bool>(durable.WaitAsync(cancellationToken));
}

/// <summary>A record as a reader sees it; <see cref="Data"/> is only valid until the reader's next <c>ReadAsync</c>.</summary>
public readonly record struct JournalRecord(long Sequence, DateTimeOffset AppendedAt, ReadOnlyMemory<byte> Data);
