using System.Diagnostics;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>Debian's redis-server on a free loopback port, without persistence, stopped after.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    /// <summary>The ACL user docs/scale-out.md gives the hubs: a login, only the hubs' channels, only the commands they use.</summary>
    public const string HubAcl = "resetchannels &rp-desk* &rp-alerts:* -@all +@connection +@pubsub +info";

    private readonly Process _process;
    private readonly string? _login;

    private RedisServer(Process process, int port, string? login)
    {
        _process = process;
        Port = port;
        _login = login;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}{_login}";

    /// <summary>Starts Redis; with <paramref name="hubUser"/>, the default user is off and only that user, with <see cref="HubAcl"/>, may log in.</summary>
    public static async Task<RedisServer> StartAsync(string? hubUser = null)
    {
        var port = FreePort.Next();
        List<string> arguments = ["--port", $"{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", Path.GetTempPath()];
        string? login = null;
        if (hubUser is not null)
        {
            var password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            arguments.AddRange(["--user", "default", "off", "--user", hubUser, "on", $">{password}", .. HubAcl.Split(' ')]);
            login = $",user={hubUser},password={password}";
        }

        var process = await LoopbackProcess.StartAsync("/usr/bin/redis-server", arguments, port);
        return new RedisServer(process, port, login);
    }

    public async ValueTask DisposeAsync() => await LoopbackProcess.StopAsync(_process);
}
