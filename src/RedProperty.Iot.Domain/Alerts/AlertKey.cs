namespace RedProperty.Iot.Domain.Alerts;

/// <summary>One open alert per (site, device, type).</summary>
public readonly record struct AlertKey(string Site, string DeviceId, AlertType Type)
{
    public override string ToString() => $"{Site}/{DeviceId}/{Type.ToWire()}";
}
