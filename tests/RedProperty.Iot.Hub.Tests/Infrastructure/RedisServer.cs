using System.Diagnostics;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>Debian's redis-server on a free loopback port, without persistence, stopped after.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        var port = FreePort.Next();
        var process = await LoopbackProcess.StartAsync("/usr/bin/redis-server", ["--port", $"{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", Path.GetTempPath()], port);
        return new RedisServer(process, port);
    }

    public async ValueTask DisposeAsync() => await LoopbackProcess.StopAsync(_process);
}
