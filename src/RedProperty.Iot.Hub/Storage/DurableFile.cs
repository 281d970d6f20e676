using RedProperty.Iot.Hub.Journal;

namespace RedProperty.Iot.Hub.Storage;

/// <summary>
/// A small file (a key) written so that a power cut leaves either the old file, or none, or the whole new one:
/// written to a temporary file, flushed to disk and renamed into place, the directory flushed after.
/// </summary>
public static class DurableFile
{
    /// <param name="ownerOnly">Readable by the hub's user only (set before the content is written).</param>
    public static void WriteAllText(string path, string text, bool ownerOnly)
    {
        var temp = path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            if (ownerOnly && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            using var writer = new StreamWriter(file);
            writer.Write(text);
            writer.Flush();
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }
}
