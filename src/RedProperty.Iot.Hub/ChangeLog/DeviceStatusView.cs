namespace RedProperty.Iot.Hub.ChangeLog;

/// <summary>A device going online or offline, as pushed to the desk.</summary>
public sealed record DeviceStatusView(long Seq, string Site, string Zone, string DeviceId, string Kind, string Status, DateTimeOffset At);
