using System.Runtime.InteropServices;

namespace RedProperty.Iot.Hub.Journal;

/// <summary>fsync of a directory, so a created or deleted segment file survives a power cut; .NET has no API for it.</summary>
internal static class DirectorySync
{
    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var descriptor = Open(directory, 0 /* O_RDONLY */);
        if (descriptor < 0)
        {
            throw Failure("open", directory);
        }

        try
        {
            if (Fsync(descriptor) != 0)
            {
                throw Failure("fsync", directory);
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    private static IOException Failure(string call, string directory)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} of directory {directory} failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int descriptor);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int descriptor);
}
