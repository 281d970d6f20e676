using System.Diagnostics;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>
/// A tiny tmpfs mounted in a temporary folder, to run out of space on purpose. Needs root (the test machines
/// and CI run as root): without the mount the test fails, it does not skip.
/// </summary>
public sealed class SmallDisk : IDisposable
{
    public SmallDisk(string size)
    {
        Path = Directory.CreateTempSubdirectory("rp-small-disk-").FullName;
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", Path);
        Assert.True(code == 0, $"mount -t tmpfs failed ({code}): {output}");
    }

    public string Path { get; }

    private string Filler => System.IO.Path.Combine(Path, "filler");

    /// <summary>Writes a file until the disk says it is full (ENOSPC).</summary>
    public void Fill()
    {
        using var file = new FileStream(Filler, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1);
        var block = new byte[4096];
        try
        {
            while (true)
            {
                file.Write(block);
            }
        }
        catch (IOException)
        {
            // ENOSPC: the disk is full
        }
    }

    /// <summary>Gives the space <see cref="Fill"/> took back.</summary>
    public void Free() => File.Delete(Filler);

    public void Dispose()
    {
        Run("umount", "-l", Path);
        Directory.Delete(Path, recursive: true);
    }

    private static (int Code, string Output) Run(string command, params string[] arguments)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
