using System.Text.Json;
using RedProperty.Iot.Hub.Devices;
using RedProperty.Iot.Hub.Storage;
using RedProperty.Iot.Hub.Views;

namespace RedProperty.Iot.Hub.ChangeLog;

/// <summary>
/// A change as the desks are told it, a record per kind: an alert raised or updated and a device's status
/// (numbered, and in the change log before anyone is told), an elevator car's live state (unnumbered and not
/// stored: only the latest matters). Closed: the kinds below are all there are. <see cref="Payload"/> is the
/// view as JSON, as the change log stores it and the instances relay it to each other.
/// </summary>
public abstract record DeskChange
{
    private string? _payload;

    private DeskChange(long seq, string site)
    {
        Seq = seq;
        Site = site;
    }

    /// <summary>The change log's number; 0 for an elevator state.</summary>
    public long Seq { get; }

    public string Site { get; }

    /// <summary>The desk client's method that receives the change (<see cref="DeskEvents"/>), stored with it.</summary>
    public abstract string Event { get; }

    public string Payload => _payload ??= Serialize();

    public StoredChange ToStored() => new(Seq, Site, Event, Payload);

    /// <summary>A change read back from the change log or relayed by another instance; null for an event this hub does not know.</summary>
    public static DeskChange? Read(long seq, string site, string changeEvent, string payload)
    {
        DeskChange? change = changeEvent switch
        {
            DeskEvents.AlertRaised or DeskEvents.AlertUpdated =>
                new AlertChanged(seq, site, JsonSerializer.Deserialize(payload, DeskJsonContext.Default.AlertView)!, changeEvent == DeskEvents.AlertRaised),
            DeskEvents.DeviceStatusChanged => new DeviceStatusChanged(seq, site, JsonSerializer.Deserialize(payload, DeskJsonContext.Default.DeviceStatusView)!),
            DeskEvents.ElevatorChanged => new ElevatorChanged(JsonSerializer.Deserialize(payload, DeskJsonContext.Default.ElevatorView)!),
            _ => null,
        };
        if (change is not null)
        {
            change._payload = payload;
        }

        return change;
    }

    private protected abstract string Serialize();

    /// <summary>An alert raised (the first change of an alert) or updated; the view carries the change's number.</summary>
    public sealed record AlertChanged(long Seq, string Site, AlertView Alert, bool Raised) : DeskChange(Seq, Site)
    {
        public override string Event => Raised ? DeskEvents.AlertRaised : DeskEvents.AlertUpdated;

        private protected override string Serialize() => JsonSerializer.Serialize(Alert, DeskJsonContext.Default.AlertView);
    }

    /// <summary>A device went online or offline; the view carries the change's number.</summary>
    public sealed record DeviceStatusChanged(long Seq, string Site, DeviceStatusView Status) : DeskChange(Seq, Site)
    {
        public override string Event => DeskEvents.DeviceStatusChanged;

        private protected override string Serialize() => JsonSerializer.Serialize(Status, DeskJsonContext.Default.DeviceStatusView);
    }

    /// <summary>An elevator car's live state (floor, door, running, occupancy, fault).</summary>
    public sealed record ElevatorChanged(ElevatorView Car) : DeskChange(0, Car.Site)
    {
        public override string Event => DeskEvents.ElevatorChanged;

        private protected override string Serialize() => JsonSerializer.Serialize(Car, DeskJsonContext.Default.ElevatorView);
    }
}
