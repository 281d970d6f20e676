namespace RedProperty.Iot.Domain.Contract;

/// <summary>The last topic segment: what a message is for. The numbers are kept on disk (the hub's ingest journal): never renumber.</summary>
public enum DeviceChannel
{
    /// <summary>Periodic state, QoS 0 or 1.</summary>
    Telemetry = 0,

    /// <summary>Discrete events such as an elevator alarm button, QoS 1.</summary>
    Event = 1,

    /// <summary>Retained <c>online</c>/<c>offline</c>; the device's last will is <c>offline</c>.</summary>
    Status = 2,

    /// <summary>Hub to device commands; devices only subscribe to it.</summary>
    Cmd = 3,
}

public static class DeviceChannels
{
    public static string ToWire(this DeviceChannel channel) => channel switch
    {
        DeviceChannel.Telemetry => "telemetry",
        DeviceChannel.Event => "event",
        DeviceChannel.Status => "status",
        DeviceChannel.Cmd => "cmd",
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, null),
    };

    public static bool TryParse(ReadOnlySpan<char> text, out DeviceChannel channel)
    {
        switch (text)
        {
            case "telemetry": channel = DeviceChannel.Telemetry; return true;
            case "event": channel = DeviceChannel.Event; return true;
            case "status": channel = DeviceChannel.Status; return true;
            case "cmd": channel = DeviceChannel.Cmd; return true;
            default: channel = default; return false;
        }
    }
}
