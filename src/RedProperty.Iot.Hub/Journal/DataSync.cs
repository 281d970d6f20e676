using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace RedProperty.Iot.Hub.Journal;

/// <summary>
/// fdatasync of a segment file on Linux (fsync elsewhere). .NET's FlushToDisk is fsync, which also writes the inode
/// whenever the file's modification time moved — at a few hundred group commits a second, nearly every time: one more
/// synchronous disk write per commit (seen as ext4_write_inode under every fsync). Records are written into space
/// preallocated with zeros, so the file's size does not change and fdatasync has only the data to write.
/// </summary>
internal static class DataSync
{
    private const int Interrupted = 4; // EINTR

    public static void Flush(SafeFileHandle file)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(file);
            return;
        }

        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            var descriptor = (int)file.DangerousGetHandle();
            while (Fdatasync(descriptor) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != Interrupted)
                {
                    throw new IOException($"fdatasync failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
                }
            }
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    [DllImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static extern int Fdatasync(int descriptor);
}
