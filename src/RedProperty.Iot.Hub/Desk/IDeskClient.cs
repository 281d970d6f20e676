using RedProperty.Iot.Hub.ChangeLog;
using RedProperty.Iot.Hub.Devices;
using RedProperty.Iot.Hub.Views;

namespace RedProperty.Iot.Hub.Desk;

/// <summary>
/// What the property desk receives. Method names are part of the contract for third-party clients,
/// hence camelCase here.
/// </summary>
#pragma warning disable IDE1006 // the wire names are camelCase by contract
public interface IDeskClient
{
    Task alertRaised(AlertView alert);

    Task alertUpdated(AlertView alert);

    Task deviceStatusChanged(DeviceStatusView status);

    Task snapshot(DeskSnapshot snapshot);

    /// <summary>An elevator car's live state changed (floor, door, running, occupancy, fault); not sequence-numbered.</summary>
    Task elevatorChanged(ElevatorView car);
}
#pragma warning restore IDE1006
