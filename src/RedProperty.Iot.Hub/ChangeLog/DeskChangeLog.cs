using Microsoft.Data.Sqlite;
using RedProperty.Iot.Hub.Storage;

namespace RedProperty.Iot.Hub.ChangeLog;

/// <summary>Typed changes into the change log.</summary>
public static class DeskChangeLog
{
    /// <summary>
    /// Appends a change in the caller's transaction: numbers it first, since its view carries its number, then
    /// makes it with <paramref name="change"/> and stores it. Returns it, to be published once committed.
    /// </summary>
    public static async Task<TChange> AppendAsync<TChange>(this ChangeLogStore log, SqliteTransaction transaction, Func<long, TChange> change, CancellationToken cancellationToken)
        where TChange : DeskChange
    {
        var made = change(await log.NextSeqAsync(transaction, cancellationToken).ConfigureAwait(false));
        await log.AppendAsync(transaction, made.ToStored(), cancellationToken).ConfigureAwait(false);
        return made;
    }
}
