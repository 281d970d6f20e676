using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Deployment;

/// <summary>
/// One run of <c>deploy/run-demo.sh</c> in a session of its own (<c>setsid</c>), started by a
/// non-interactive bash as a background job. Every process the demo starts stays in that session
/// (even after it is reparented), so "what is left of the demo" is every live process of the session.
/// </summary>
internal sealed partial class DemoRun : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _wrapper;
    private readonly string _work;
    private readonly StringBuilder _output = new();
    private readonly Lock _outputLock = new();
    private int _outputAtSignal;
    private string? _signal;

    private DemoRun(Process wrapper, string work)
    {
        _wrapper = wrapper;
        _work = work;
    }

    /// <summary>The session id: the pid of the wrapper bash, which <c>setsid</c> made a session leader.</summary>
    public int Session => _wrapper.Id;

    public int ScriptPid { get; private set; }

    public Uri? DeskUrl { get; private set; }

    public string Output
    {
        get
        {
            lock (_outputLock)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<DemoRun> StartAsync()
    {
        var work = Directory.CreateTempSubdirectory("rp-demo-").FullName;
        var start = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };

        // `cmd &` in a non-interactive bash: the job starts with SIGINT and SIGQUIT ignored.
        foreach (var argument in new[] { "bash", "-c", "\"$0\" & echo \"demo script pid $!\"; wait $!; echo \"demo script exited with $?\"", Repository.PathOf("deploy", "run-demo.sh") })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["HTTP_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        start.Environment["MQTT_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        start.Environment["DEMO_DIR"] = Path.Combine(work, "run");

        var run = new DemoRun(Process.Start(start)!, work);
        run._wrapper.OutputDataReceived += (_, e) => run.Append(e.Data);
        run._wrapper.ErrorDataReceived += (_, e) => run.Append(e.Data);
        run._wrapper.BeginOutputReadLine();
        run._wrapper.BeginErrorReadLine();
        run._wrapper.StandardInput.Close();
        try
        {
            await run.WaitUntilRunningAsync();
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }

        return run;
    }

    public async Task SignalScriptAsync(string signal)
    {
        _signal = signal;
        _outputAtSignal = Output.Length;
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-s", signal, ScriptPid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Within a bounded time no process of the session is alive; the script said where the desk was once more and exited with 128 + the signal.</summary>
    public async Task AssertNothingLeftAsync()
    {
        var deadline = DateTime.UtcNow + StopTimeout;
        IReadOnlyList<SessionProcess> left;
        while ((left = SessionProcess.Of(Session)).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        Assert.True(left.Count == 0, $"{StopTimeout.TotalSeconds} s after the signal these processes of the demo are still running:{Environment.NewLine}{string.Join(Environment.NewLine, left)}{Environment.NewLine}--- output ---{Environment.NewLine}{Tail(Output)}");
        await _wrapper.WaitForExitAsync();
        var afterSignal = Output[_outputAtSignal..];
        Assert.Contains(DeskUrl!.ToString(), afterSignal, StringComparison.Ordinal);
        Assert.Contains($"demo script exited with {(_signal == "INT" ? 130 : 143)}", afterSignal, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in SessionProcess.Of(Session))
        {
            try
            {
                Process.GetProcessById(process.Pid).Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone already.
            }
        }

        if (!_wrapper.HasExited)
        {
            _wrapper.Kill();
        }

        await _wrapper.WaitForExitAsync();
        _wrapper.Dispose();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
            // A late writer; the temporary folder is left behind.
        }
    }

    private async Task WaitUntilRunningAsync()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DeskUrl is null || ScriptPid == 0)
        {
            Assert.True(DateTime.UtcNow < deadline && !_wrapper.HasExited, $"the demo did not print its desk URL within {StartTimeout.TotalMinutes} min:{Environment.NewLine}{Tail(Output)}");
            var text = Output;
            if (ScriptPidLine().Match(text) is { Success: true } pid)
            {
                ScriptPid = int.Parse(pid.Groups[1].Value, CultureInfo.InvariantCulture);
            }

            if (DeskLine().Match(text) is { Success: true } desk)
            {
                DeskUrl = new Uri(desk.Groups[1].Value);
            }

            await Task.Delay(200);
        }

        using var http = new HttpClient { BaseAddress = DeskUrl, Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.BecomesAsync(async () =>
        {
            try
            {
                return (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return HttpStatusCode.ServiceUnavailable;
            }
        }, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "the demo hub's /healthz");

        // The processes the signal must stop are really there (else "nothing left" would prove nothing).
        Assert.Equal(Session, SessionProcess.Read(ScriptPid)?.Session);
        var running = await Eventually.BecomesAsync(
            () => Task.FromResult(SessionProcess.Of(Session)),
            ps => ps.Any(p => p.CommandLine.Contains("RedProperty.Iot.Hub.dll", StringComparison.Ordinal)) && ps.Any(p => p.CommandLine.Contains("firmware-sim.dll", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30),
            "the hub and the simulator in the demo's session");
        if (File.Exists("/usr/bin/influxd"))
        {
            Assert.Contains(running, p => p.CommandLine.StartsWith("influxd", StringComparison.Ordinal));
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputLock)
        {
            _output.AppendLine(line);
        }
    }

    private static string Tail(string text) => text.Length > 6000 ? text[^6000..] : text;

    [GeneratedRegex(@"demo script pid (\d+)")]
    private static partial Regex ScriptPidLine();

    [GeneratedRegex(@"Desk screen\s+(http://\S+/)")]
    private static partial Regex DeskLine();
}

/// <summary>A live (not zombie) process as /proc/PID/stat describes it.</summary>
internal sealed record SessionProcess(int Pid, int ParentPid, int Group, int Session, char State, string CommandLine)
{
    public static IReadOnlyList<SessionProcess> Of(int session) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? Read(pid) : null)
            .OfType<SessionProcess>()
            .Where(p => p.Session == session && p.State != 'Z')
            .ToArray();

    public static SessionProcess? Read(int pid)
    {
        try
        {
            // pid (comm) state ppid pgrp session ...; comm may hold spaces and parentheses.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
            return new SessionProcess(pid, Number(fields[1]), Number(fields[2]), Number(fields[3]), fields[0][0], commandLine);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public override string ToString() => $"  {Pid} (parent {ParentPid}, state {State}): {CommandLine}";

    private static int Number(string text) => int.Parse(text, CultureInfo.InvariantCulture);
}
