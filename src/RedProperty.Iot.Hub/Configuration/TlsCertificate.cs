using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RedProperty.Iot.Hub.Configuration;

/// <summary>Loads the hub's TLS certificate, with a message naming the setting when it cannot.</summary>
public static class TlsCertificate
{
    /// <summary>The certificate, or null when none is configured (no TLS listeners).</summary>
    public static X509Certificate2? Load(TlsOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            return null;
        }

        if (!File.Exists(options.CertificatePath))
        {
            throw new InvalidOperationException($"Tls:CertificatePath '{options.CertificatePath}' does not exist");
        }

        try
        {
            var extension = Path.GetExtension(options.CertificatePath).ToLowerInvariant();
            var certificate = extension is ".pfx" or ".p12"
                ? X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, options.Password)
                : X509Certificate2.CreateFromPemFile(options.CertificatePath, options.KeyPath ?? options.CertificatePath);
            if (!certificate.HasPrivateKey)
            {
                throw new InvalidOperationException($"Tls:CertificatePath '{options.CertificatePath}' has no private key (set Tls:KeyPath)");
            }

            // Some platforms cannot use an ephemeral PEM key for a server; a PKCS#12 round trip makes it usable everywhere.
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
        }
        catch (Exception e) when (e is CryptographicException or IOException or ArgumentException)
        {
            throw new InvalidOperationException($"Tls:CertificatePath '{options.CertificatePath}' cannot be loaded: {e.Message}", e);
        }
    }
}
