using System.Diagnostics;
using System.Net.Sockets;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>Debian's mosquitto on a free loopback port (anonymous, no persistence), stopped and deleted after.</summary>
public sealed class MosquittoServer : IAsyncDisposable
{
    private const string Executable = "/usr/sbin/mosquitto";
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
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: run the README's test command, which installs it");
        }

        var dir = Directory.CreateTempSubdirectory("rp-mosquitto-").FullName;
        var port = FreePort.Next();
        var config = Path.Combine(dir, "mosquitto.conf");
        await File.WriteAllTextAsync(config, $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n");
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(config);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited with {process.ExitCode}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return new MosquittoServer(process, dir, port);
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        process.Kill();
        throw new TimeoutException($"mosquitto did not listen on {port} within 20 s");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
