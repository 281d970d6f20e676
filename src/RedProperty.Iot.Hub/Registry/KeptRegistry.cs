using System.Security.Cryptography;

namespace RedProperty.Iot.Hub.Registry;

/// <summary>
/// Imports the registry file at start-up and keeps the hub's own copy under the data directory,
/// holding salted hashes only. When the file has not changed since the last import the kept copy is
/// used as it is, so secrets are not hashed again at every start.
/// </summary>
public static partial class KeptRegistry
{
    public const string KeptFileName = "registry.kept.json";

    private const string FingerprintFileName = "registry.kept.source-sha256";

    public static DeviceRegistry Load(string? registryPath, string dataDir, int hashIterations, ILogger logger)
    {
        if (string.IsNullOrWhiteSpace(registryPath))
        {
            LogNoRegistry(logger);
            return DeviceRegistry.Empty;
        }

        if (!File.Exists(registryPath))
        {
            throw new InvalidOperationException($"Hub:Registry '{registryPath}' does not exist");
        }

        var source = File.ReadAllBytes(registryPath);
        var fingerprint = Convert.ToHexString(SHA256.HashData(source));
        var keptPath = Path.Combine(dataDir, KeptFileName);
        var fingerprintPath = Path.Combine(dataDir, FingerprintFileName);
        if (File.Exists(keptPath) && File.Exists(fingerprintPath) && File.ReadAllText(fingerprintPath).Trim() == fingerprint)
        {
            var kept = RegistryImporter.Parse(File.ReadAllBytes(keptPath), _ => throw new InvalidOperationException("kept registry holds a plain secret"), AlertThresholds.Defaults);
            if (kept.Registry is { } keptRegistry)
            {
                LogKeptRegistry(logger, keptRegistry.DeviceCount, keptRegistry.Sites.Count, keptPath);
                return keptRegistry;
            }
        }

        var result = RegistryImporter.Parse(source, secret => DeviceSecretHasher.Hash(secret, hashIterations), AlertThresholds.Defaults);
        if (result.Registry is not { } registry)
        {
            throw new InvalidOperationException(
                $"Hub:Registry '{registryPath}' has {result.Errors.Count} problem(s):{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", result.Errors));
        }

        Directory.CreateDirectory(dataDir);
        WriteAtomically(keptPath, RegistryJson.Serialize(RegistryImporter.ToDocument(registry)));
        WriteAtomically(fingerprintPath, System.Text.Encoding.ASCII.GetBytes(fingerprint));
        LogImported(logger, registry.DeviceCount, registry.Sites.Count, registryPath, keptPath);
        return registry;
    }

    private static void WriteAtomically(string path, byte[] content)
    {
        var temp = path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(content);
            file.Flush(flushToDisk: true);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: true);
    }
}
