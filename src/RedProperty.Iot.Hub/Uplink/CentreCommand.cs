using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RedProperty.Iot.Hub.Uplink;

/// <summary>
/// A district centre's staff action on an alert its edge owns, sent down on <c>rp/{site}/downlink/commands</c>:
/// <see cref="Id"/> names it once and for all (an edge carries out each id once), <see cref="By"/> is the member
/// of the centre's staff, <see cref="Role"/> and <see cref="Sites"/> their rights at the centre, which the edge
/// checks with its own rules. <see cref="Action"/> and <see cref="Note"/> as in <c>AlertActions</c>.
/// </summary>
public sealed record CentreCommand(
    string Id, string Edge, string Site, Guid AlertId, string Action, string By, string Role, IReadOnlyList<string> Sites, string? Note, DateTimeOffset IssuedAt)
{
    public static string Topic(string site) => $"{DeviceTopic.Root}/{site}/downlink/commands";
}

/// <summary>
/// What became of a <see cref="CentreCommand"/> at its edge, sent up on <c>rp/{site}/uplink/replies</c>:
/// <see cref="Outcome"/> is <c>Done</c>, <c>NotFound</c>, <c>NotAllowed</c>, <c>NoteRequired</c>, <c>Forbidden</c>
/// (the acting user's rights do not cover it) or <c>Expired</c>; <see cref="Seq"/> the edge's change that carried it out.
/// </summary>
public sealed record CentreCommandReply(string Id, string Edge, string Site, Guid AlertId, string Action, string Outcome, string? Problem, long? Seq, DateTimeOffset At)
{
    public const string Done = "Done";
    public const string Forbidden = "Forbidden";
    public const string Expired = "Expired";

    public static string Topic(string site) => $"{DeviceTopic.Root}/{site}/uplink/replies";
}

/// <summary>A command as it travels: its JSON and the centre's ECDSA P-256 signature of it (base64).</summary>
public sealed record SignedCentreCommand(string Body, string Signature);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CentreCommand))]
[JsonSerializable(typeof(CentreCommandReply))]
[JsonSerializable(typeof(SignedCentreCommand))]
internal sealed partial class CentreCommandJsonContext : JsonSerializerContext;

/// <summary>
/// The centre's command key: ECDSA P-256. The centre keeps the private key (<c>centre-command.key</c> in its data
/// directory, made at first start with <c>centre-command.pub.pem</c> beside it); each edge has only the public key
/// (<c>Uplink:CentreKeyFile</c>), so an edge box that is taken apart cannot command another.
/// </summary>
public sealed class CentreCommandKey : IDisposable
{
    public const string PrivateFileName = "centre-command.key";
    public const string PublicFileName = "centre-command.pub.pem";
    private const string Purpose = "rp-centre-command\n";

    private readonly ECDsa _key;
    private readonly bool _canSign;

    private CentreCommandKey(ECDsa key, bool canSign)
    {
        _key = key;
        _canSign = canSign;
    }

    /// <summary>The centre's key pair from its data directory, made (and its public half written beside it) on first start.</summary>
    public static CentreCommandKey LoadOrCreate(string dataDir)
    {
        var path = Path.Combine(dataDir, PrivateFileName);
        var key = ECDsa.Create();
        if (File.Exists(path))
        {
            try
            {
                key.ImportFromPem(File.ReadAllText(path));
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                key.Dispose();
                throw new InvalidOperationException(
                    $"The centre's command key {path} is not a PEM EC private key ({e.Message}). Restore it from a backup; only if it is lost for good, " +
                    $"delete it (the centre makes a new one) and give every edge the new {PublicFileName}.", e);
            }
        }
        else
        {
            key.GenerateKey(ECCurve.NamedCurves.nistP256);
            Directory.CreateDirectory(dataDir);
            Storage.DurableFile.WriteAllText(path, key.ExportPkcs8PrivateKeyPem(), ownerOnly: true);
        }

        var publicPath = Path.Combine(dataDir, PublicFileName);
        var publicPem = key.ExportSubjectPublicKeyInfoPem();
        if (!File.Exists(publicPath) || File.ReadAllText(publicPath).Trim() != publicPem.Trim())
        {
            Storage.DurableFile.WriteAllText(publicPath, publicPem, ownerOnly: false);
        }

        return new CentreCommandKey(key, canSign: true);
    }

    /// <summary>The centre's public key, as an edge has it (<c>Uplink:CentreKeyFile</c>).</summary>
    public static CentreCommandKey LoadPublic(string path)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException or IOException)
        {
            key.Dispose();
            throw new InvalidOperationException($"Uplink:CentreKeyFile {path} is not the centre's public key ({PublicFileName}, PEM): {e.Message}", e);
        }

        return new CentreCommandKey(key, canSign: false);
    }

    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    public byte[] Seal(CentreCommand command)
    {
        if (!_canSign)
        {
            throw new InvalidOperationException("only the centre signs commands");
        }

        var body = JsonSerializer.Serialize(command, CentreCommandJsonContext.Default.CentreCommand);
        var signature = _key.SignData(Encoding.UTF8.GetBytes(Purpose + body), HashAlgorithmName.SHA256);
        return JsonSerializer.SerializeToUtf8Bytes(new SignedCentreCommand(body, Convert.ToBase64String(signature)), CentreCommandJsonContext.Default.SignedCentreCommand);
    }

    /// <summary>The command when the message is one the centre signed; otherwise null.</summary>
    public CentreCommand? Open(ReadOnlySpan<byte> message)
    {
        try
        {
            if (JsonSerializer.Deserialize(message, CentreCommandJsonContext.Default.SignedCentreCommand) is not { Body: { } body, Signature: { } signature })
            {
                return null;
            }

            var given = new byte[128];
            if (!Convert.TryFromBase64String(signature, given, out var length)
                || !_key.VerifyData(Encoding.UTF8.GetBytes(Purpose + body), given.AsSpan(0, length), HashAlgorithmName.SHA256))
            {
                return null;
            }

            return JsonSerializer.Deserialize(body, CentreCommandJsonContext.Default.CentreCommand);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose() => _key.Dispose();
}
