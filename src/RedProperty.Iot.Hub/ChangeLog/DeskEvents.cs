namespace RedProperty.Iot.Hub.ChangeLog;

/// <summary>The desk client's methods a change goes to; stored as the change log's event.</summary>
public static class DeskEvents
{
    public const string AlertRaised = "alertRaised";
    public const string AlertUpdated = "alertUpdated";
    public const string DeviceStatusChanged = "deviceStatusChanged";

    /// <summary>An elevator car's live state: not numbered, not stored; only the latest one matters.</summary>
    public const string ElevatorChanged = "elevatorChanged";
}
