using RedProperty.Iot.Hub.Desk;
using RedProperty.Iot.Hub.Views;

namespace RedProperty.Iot.Hub.Centre;

/// <summary>The edges' open alerts as the centre last stored them, for the desks' snapshots (kept in memory, filled at start).</summary>
public sealed class EdgeAlertsLive : IDeskAlertSource
{
    private readonly Dictionary<Guid, AlertView> _open = [];
    private readonly Lock _gate = new();

    public void Show(AlertView alert)
    {
        lock (_gate)
        {
            if (_open.TryGetValue(alert.Id, out var known) && known.Seq > alert.Seq)
            {
                return;
            }

            if (alert.State == "resolved")
            {
                _open.Remove(alert.Id);
            }
            else
            {
                _open[alert.Id] = alert;
            }
        }
    }

    public IReadOnlyList<AlertView> OpenAlerts(IReadOnlyCollection<string> sites)
    {
        lock (_gate)
        {
            return [.. _open.Values.Where(a => sites.Contains(a.Site))];
        }
    }
}
