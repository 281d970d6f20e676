using System.Security.Cryptography;
using RedProperty.Iot.Hub.Storage;

namespace RedProperty.Iot.Hub.Field;

/// <summary>
/// The sticker key kept in the data directory when <c>Field:StickerKey</c> is not set: made once, written to a
/// temporary file, flushed and renamed into place, so a power cut leaves either no key or the whole key. A key
/// file that exists but cannot be read stops the hub: making a new key would void every sticker on the walls.
/// </summary>
public static class StickerKeyFile
{
    public const string FileName = "sticker.key";

    public static byte[] LoadOrCreate(string dataDir)
    {
        var path = Path.Combine(dataDir, FileName);
        if (File.Exists(path))
        {
            var text = File.ReadAllText(path).Trim();
            var buffer = new byte[(text.Length * 3 / 4) + 3];
            if (!Convert.TryFromBase64String(text, buffer, out var written) || written < FieldOptions.MinStickerKeyBytes)
            {
                throw new InvalidOperationException(
                    $"The sticker key {path} is not base64 of at least {FieldOptions.MinStickerKeyBytes} bytes. Restore it from a backup; " +
                    "only if it is lost for good, delete it (the hub makes a new one) and print every place sticker again.");
            }

            return buffer[..written];
        }

        Directory.CreateDirectory(dataDir);
        var key = RandomNumberGenerator.GetBytes(FieldOptions.MinStickerKeyBytes);
        DurableFile.WriteAllText(path, Convert.ToBase64String(key) + Environment.NewLine, ownerOnly: true);
        return key;
    }
}
