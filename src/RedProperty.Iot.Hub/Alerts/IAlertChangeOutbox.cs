using Microsoft.Data.Sqlite;
using RedProperty.Iot.Hub.Views;

namespace RedProperty.Iot.Hub.Alerts;

/// <summary>
/// Something that must learn of alert changes reliably (outbound notifications): given each change inside the
/// transaction that stores it, so what it keeps is committed with the change or not at all.
/// </summary>
public interface IAlertChangeOutbox
{
    Task StageAsync(SqliteTransaction transaction, AlertView alert, string transition, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Called once the transaction committed.</summary>
    void Committed();
}
