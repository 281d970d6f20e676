using RedProperty.Iot.Contract;

namespace RedProperty.Iot.Alerts;

/// <summary>One open alert per (site, device, type).</summary>
public readonly record struct AlertKey(string Site, string DeviceId, AlertType Type)
{
    public override string ToString() => $"{Site}/{DeviceId}/{Type.ToWire()}";
}
