using System.Diagnostics;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>A real server process (influxd, victoria-metrics) on loopback with a temp data dir, stopped and deleted after.</summary>
public abstract class ExternalServer : IAsyncDisposable
{
    private Process? _process;
    private readonly List<string> _output = [];

    protected ExternalServer(string name)
    {
        Name = name;
        DataDir = Directory.CreateTempSubdirectory($"rp-{name}-").FullName;
        Port = FreePort.Next();
    }

    public string Name { get; }

    public string DataDir { get; }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}");

    public bool IsRunning => _process is { HasExited: false };

    protected abstract string Executable { get; }

    protected abstract IEnumerable<string> Arguments { get; }

    protected abstract string ReadinessPath { get; }

    public async Task StartAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: run the README's test command, which installs it");
        }

        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Record(e.Data);
        _process.ErrorDataReceived += (_, e) => Record(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}: {string.Join('\n', _output.TakeLast(20))}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(Url, ReadinessPath));
                if (response.IsSuccessStatusCode)
                {
                    await OnStartedAsync(http);
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{Name} did not answer on {Url} within 30 s: {string.Join('\n', _output.TakeLast(20))}");
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }

        GC.SuppressFinalize(this);
    }

    protected virtual Task OnStartedAsync(HttpClient http) => Task.CompletedTask;

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
            if (_output.Count > 200)
            {
                _output.RemoveAt(0);
            }
        }
    }
}
