using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>
/// The real hub as its own process with the embedded broker, on free loopback ports: for attacks whose
/// effect is the whole process (a spinning thread, memory) and for crashes with SIGKILL.
/// </summary>
public sealed class HubProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HubProcess(Process process, int mqttPort, int httpPort, string dataDir)
    {
        _process = process;
        MqttPort = mqttPort;
        DataDir = dataDir;
        HttpUrl = new Uri($"http://127.0.0.1:{httpPort}");
        Http = new HttpClient { BaseAddress = HttpUrl, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri HttpUrl { get; }

    public int MqttPort { get; }

    public string DataDir { get; }

    public HttpClient Http { get; }

    public int Pid => _process.Id;

    /// <summary>What the hub wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<HubProcess> StartAsync(string dataDir, IReadOnlyDictionary<string, string?> settings)
    {
        var mqttPort = FreePort.Next();
        var httpPort = FreePort.Next();
        var hub = new HubProcess(Process.Start(StartInfo(dataDir, settings, mqttPort, httpPort))!, mqttPort, httpPort, dataDir);
        hub._process.OutputDataReceived += (_, e) => hub.Append(e.Data);
        hub._process.ErrorDataReceived += (_, e) => hub.Append(e.Data);
        hub._process.BeginOutputReadLine();
        hub._process.BeginErrorReadLine();
        try
        {
            await Eventually.BecomesAsync(async () =>
            {
                try
                {
                    return (await hub.Http.GetAsync("/healthz")).StatusCode;
                }
                catch (HttpRequestException)
                {
                    return HttpStatusCode.ServiceUnavailable;
                }
            }, s => s == HttpStatusCode.OK || hub._process.HasExited, TimeSpan.FromSeconds(60), "the hub process answering /healthz");
            Assert.False(hub._process.HasExited, $"the hub process exited: {hub.Output}");
            return hub;
        }
        catch
        {
            await hub.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a hub that is expected to stop by itself (a refused start) and returns its exit code and all it wrote.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(string dataDir, IReadOnlyDictionary<string, string?> settings, TimeSpan within)
    {
        using var process = Process.Start(StartInfo(dataDir, settings, FreePort.Next(), FreePort.Next()))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
            Assert.Fail($"the hub did not stop within {within}: {await output}{await errors}");
        }

        return (process.ExitCode, await output + await errors);
    }

    private static ProcessStartInfo StartInfo(string dataDir, IReadOnlyDictionary<string, string?> settings, int mqttPort, int httpPort)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var arguments = new List<string>
        {
            Path.Combine(AppContext.BaseDirectory, "RedProperty.Iot.Hub.dll"),
            "--Http:Urls", $"http://127.0.0.1:{httpPort}",
            "--Mqtt:Port", mqttPort.ToString(CultureInfo.InvariantCulture),
            "--Mqtt:BindAddress", "127.0.0.1",
            "--Hub:DataDir", dataDir,
            "--Hub:SecretHashIterations", "1000",
            "--Logging:LogLevel:Default", "Warning",
            "--Staff:BootstrapAdmin:Username", HubHost.AdminUser,
            "--Staff:BootstrapAdmin:Password", HubHost.AdminPassword,
        };
        foreach (var (key, value) in settings)
        {
            arguments.Add($"--{key}");
            arguments.Add(value ?? string.Empty);
        }

        arguments.ForEach(start.ArgumentList.Add);
        return start;
    }

    /// <summary>Signs <see cref="Http"/> in as the bootstrap administrator (a bearer token).</summary>
    public async Task SignInAsync()
    {
        using var response = await Http.PostAsJsonAsync("/api/auth/token", new { username = HubHost.AdminUser, password = HubHost.AdminPassword });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>A device of the test registry logged in over TCP (MQTT 5, its user name as client id).</summary>
    public async Task<IMqttClient> ConnectDeviceAsync(string deviceId, string site = TestRegistry.Site)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithClientId($"{site}/{deviceId}")
            .WithCredentials($"{site}/{deviceId}", TestRegistry.SecretOf(deviceId))
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(20))
            .WithTcpServer("127.0.0.1", MqttPort)
            .Build());
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return client;
    }

    /// <summary>The value of one metric line, e.g. <c>rp_hub_connections_closed_total{reason="connect_timeout"}</c> (0 when absent).</summary>
    public async Task<double> MetricAsync(string series)
    {
        foreach (var line in (await Http.GetStringAsync("/metrics")).Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>CPU time the process has used so far, in clock ticks (user + system, from /proc).</summary>
    public long CpuTicks()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        // Fields after the command name, which is in parentheses and may contain spaces.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    /// <summary>Resident memory in bytes (from /proc).</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>The CPU ticks the hub uses over <paramref name="window"/>.</summary>
    public async Task<long> CpuTicksOverAsync(TimeSpan window)
    {
        var before = CpuTicks();
        await Task.Delay(window);
        return CpuTicks() - before;
    }

    /// <summary>
    /// Waits until the hub uses less than <paramref name="ticks"/> clock ticks in a 2 s window (just-in-time
    /// compilation and garbage collection after a burst settle within seconds; a spinning thread never does),
    /// and returns the last window's ticks, which is at least <paramref name="ticks"/> when that never happened.
    /// </summary>
    public async Task<long> SettledCpuTicksAsync(long ticks, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        long last;
        do
        {
            last = await CpuTicksOverAsync(TimeSpan.FromSeconds(2));
        }
        while (last >= ticks && DateTime.UtcNow < deadline);
        return last;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Kills the process at once (SIGKILL), as a power cut would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        Http.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 1_000_000)
            {
                _output.AppendLine(line);
            }
        }
    }
}
