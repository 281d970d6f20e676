using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Hub.Storage;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>Writes to a hub database the way the alert service does: the change numbered first, its payload made with the number.</summary>
internal static class StoreSeeding
{
    /// <summary>Saves the alert and appends its change in one transaction; returns the change's number.</summary>
    public static Task<long> SaveAlertAsync(this HubDatabase database, Alert alert, string changeEvent, Func<long, string> payload) =>
        database.InTransactionAsync(async (transaction, ct) =>
        {
            var seq = await AppendAsync(database, transaction, alert.Site, changeEvent, payload, ct);
            await new AlertStore(database).SaveAsync(transaction, alert, seq, ct);
            return seq;
        }, CancellationToken.None);

    public static Task<long> AppendChangeAsync(this HubDatabase database, string site, string changeEvent, Func<long, string> payload) =>
        database.InTransactionAsync((transaction, ct) => AppendAsync(database, transaction, site, changeEvent, payload, ct), CancellationToken.None);

    private static async Task<long> AppendAsync(HubDatabase database, Microsoft.Data.Sqlite.SqliteTransaction transaction, string site, string changeEvent, Func<long, string> payload, CancellationToken ct)
    {
        var changes = new ChangeLogStore(database);
        var seq = await changes.NextSeqAsync(transaction, ct);
        await changes.AppendAsync(transaction, new StoredChange(seq, site, changeEvent, payload(seq)), ct);
        return seq;
    }
}
