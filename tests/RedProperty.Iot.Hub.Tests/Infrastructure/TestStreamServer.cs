using System.Diagnostics;
using System.Net;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

public enum TestPicture
{
    Moving,
    Black,
    Stopped,
}

/// <summary>
/// A camera on loopback: every HTTP client gets its own live MPEG-TS stream made by Debian's ffmpeg
/// (a moving test pattern, or a black picture); <see cref="TestPicture.Stopped"/> refuses to stream.
/// </summary>
public sealed class TestStreamServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private volatile TestPicture _picture = TestPicture.Moving;

    private TestStreamServer(int port)
    {
        Port = port;
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/camera.ts";

    public TestPicture Picture
    {
        get => _picture;
        set => _picture = value;
    }

    public static TestStreamServer Start()
    {
        if (!File.Exists("/usr/bin/ffmpeg"))
        {
            throw new InvalidOperationException("/usr/bin/ffmpeg is missing: run the README's test command, which installs it");
        }

        return new TestStreamServer(FreePort.Next());
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(context));
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        var picture = _picture;
        if (picture == TestPicture.Stopped)
        {
            context.Response.StatusCode = 503;
            context.Response.Close();
            return;
        }

        var source = picture == TestPicture.Black ? "color=c=black:size=320x240:rate=10" : "testsrc=size=320x240:rate=10";
        var start = new ProcessStartInfo("/usr/bin/ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in $"-hide_banner -loglevel error -re -f lavfi -i {source} -c:v libx264 -preset ultrafast -tune zerolatency -g 10 -pix_fmt yuv420p -f mpegts pipe:1".Split(' '))
        {
            start.ArgumentList.Add(argument);
        }

        using var ffmpeg = Process.Start(start)!;
        ffmpeg.ErrorDataReceived += (_, _) => { };
        ffmpeg.BeginErrorReadLine();
        context.Response.ContentType = "video/mp2t";
        context.Response.SendChunked = true;
        try
        {
            var buffer = new byte[16 * 1024];
            int read;
            while (!_stop.IsCancellationRequested && _picture == picture && (read = await ffmpeg.StandardOutput.BaseStream.ReadAsync(buffer, _stop.Token)) > 0)
            {
                await context.Response.OutputStream.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away (a snapshot needs one frame) or the picture changed.
        }
        finally
        {
            try
            {
                ffmpeg.Kill();
            }
            catch (InvalidOperationException)
            {
            }

            try
            {
                context.Response.Abort();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }
}
