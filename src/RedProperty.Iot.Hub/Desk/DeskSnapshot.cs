using RedProperty.Iot.Hub.ChangeLog;
using RedProperty.Iot.Hub.Views;

namespace RedProperty.Iot.Hub.Desk;

/// <summary>What a desk client gets on connecting: every open alert and every device's status, as of <see cref="Seq"/>.</summary>
public sealed record DeskSnapshot(long Seq, IReadOnlyList<AlertView> Alerts, IReadOnlyList<DeviceStatusView> Devices);
