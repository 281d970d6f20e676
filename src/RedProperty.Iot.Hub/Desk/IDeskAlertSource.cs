using RedProperty.Iot.Hub.Views;

namespace RedProperty.Iot.Hub.Desk;

/// <summary>Open alerts a desk's snapshot shows beside the hub's own: at a district centre, the edges' alerts.</summary>
public interface IDeskAlertSource
{
    IReadOnlyList<AlertView> OpenAlerts(IReadOnlyCollection<string> sites);
}
