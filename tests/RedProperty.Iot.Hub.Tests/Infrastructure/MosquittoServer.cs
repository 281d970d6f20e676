using System.Diagnostics;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>Debian's mosquitto on a free loopback port (anonymous, no persistence), stopped and deleted after.</summary>
public sealed class MosquittoServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private MosquittoServer(Process process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    public Uri Url => new($"mqtt://127.0.0.1:{Port}");

    public static async Task<MosquittoServer> StartAsync()
    {
        var dir = Directory.CreateTempSubdirectory("rp-mosquitto-").FullName;
        var port = FreePort.Next();
        var config = Path.Combine(dir, "mosquitto.conf");
        await File.WriteAllTextAsync(config, $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n");
        var process = await LoopbackProcess.StartAsync("/usr/sbin/mosquitto", ["-c", config], port);
        return new MosquittoServer(process, dir, port);
    }

    public async ValueTask DisposeAsync()
    {
        await LoopbackProcess.StopAsync(_process);
        Directory.Delete(_dir, recursive: true);
    }
}
