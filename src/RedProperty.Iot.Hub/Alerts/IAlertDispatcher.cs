namespace RedProperty.Iot.Hub.Alerts;

/// <summary>Whom a new (or reopened) alert is dispatched to; null: nobody who may act is on duty.</summary>
public interface IAlertDispatcher
{
    /// <param name="openAssigned">Open alerts already assigned, per username (case-insensitive).</param>
    string? Choose(Alert alert, DateTimeOffset now, IReadOnlyDictionary<string, int> openAssigned);
}
