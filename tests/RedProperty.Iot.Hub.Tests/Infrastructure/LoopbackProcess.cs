using System.Diagnostics;
using System.Net.Sockets;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>Starts a Debian server binary and waits until it accepts TCP connections on its loopback port.</summary>
public static class LoopbackProcess
{
    public static async Task<Process> StartAsync(string executable, IEnumerable<string> arguments, int port)
    {
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"{executable} is missing: run the README's test command, which installs it");
        }

        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

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
                throw new InvalidOperationException($"{executable} exited with {process.ExitCode}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return process;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        process.Kill();
        throw new TimeoutException($"{executable} did not listen on {port} within 20 s");
    }

    public static async Task StopAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}
