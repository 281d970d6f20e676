using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.ChangeLog;
using RedProperty.Iot.Hub.Devices;
using RedProperty.Iot.Hub.Storage;

namespace RedProperty.Iot.Hub.Desk;

/// <summary>What a desk gets before live changes: the changes it missed, from the change log, or a snapshot.</summary>
public sealed class DeskHistory(AlertService alerts, DeviceStates devices, ChangeLogStore changeLog, IEnumerable<IDeskAlertSource> otherAlerts)
{
    /// <summary>
    /// The changes after <paramref name="afterSeq"/> up to <paramref name="upToSeq"/> of these sites, in order;
    /// null when the change log cannot serve that number (pruned, more than <see cref="DeskHub.MaxReplay"/>
    /// behind, or from before a reset).
    /// </summary>
    public async Task<IReadOnlyList<DeskChange>?> ChangesAsync(long afterSeq, long upToSeq, IReadOnlyCollection<string> sites, CancellationToken cancellationToken)
    {
        if (!await changeLog.CanCatchUpFromAsync(afterSeq, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var changes = await changeLog.ChangesSinceAsync(afterSeq, sites, DeskHub.MaxReplay + 1, cancellationToken).ConfigureAwait(false);
        return changes.Count > DeskHub.MaxReplay ? null : [.. changes.Where(c => c.Seq <= upToSeq).Select(c => DeskChange.Read(c.Seq, c.Site, c.Event, c.Payload)).OfType<DeskChange>()];
    }

    /// <summary>
    /// Open alerts and device statuses of these sites as they are now, which includes every change up to
    /// <paramref name="seq"/> (the service remembers a change before it is published); newer ones may be in
    /// it too and arrive live as well, so clients keep the newest per alert.
    /// </summary>
    public DeskSnapshot Snapshot(long seq, IReadOnlyCollection<string> sites)
    {
        IReadOnlyList<Views.AlertView> open = [.. alerts.OpenAlerts(sites), .. otherAlerts.SelectMany(source => source.OpenAlerts(sites))];
        var statuses = devices.All
            .Where(d => sites.Contains(d.Device.Site))
            .Select(d => new DeviceStatusView(0, d.Device.Site, d.Device.Zone, d.Device.Id, d.Device.Kind.ToWire(), d.Status?.ToString().ToLowerInvariant() ?? "unknown", d.StatusChangedAt ?? DateTimeOffset.MinValue))
            .ToArray();
        return new DeskSnapshot(seq, open, statuses);
    }
}
