using RedProperty.Iot.Hub;

// `RedProperty.Iot.Hub healthcheck [URL]`: for container health checks, where no curl is at hand.
if (args is ["healthcheck", ..])
{
    var url = args.Length > 1 ? args[1] : "http://127.0.0.1:8080/healthz";
    try
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var response = await http.GetAsync(url);
        Console.WriteLine($"{url}: {(int)response.StatusCode}");
        return response.IsSuccessStatusCode ? 0 : 1;
    }
    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException or InvalidOperationException)
    {
        Console.Error.WriteLine($"{url}: {ex.Message}");
        return 1;
    }
}

// `redproperty-hub new-secret`: a new generated device or reader secret (256 random bits) and its hash.
if (args is ["new-secret", ..])
{
    var secret = RedProperty.Iot.Domain.Registry.DeviceSecretHasher.NewSecret();
    Console.WriteLine($"secret:     {secret}");
    Console.WriteLine($"secretHash: {RedProperty.Iot.Domain.Registry.DeviceSecretHasher.Hash(secret)}");
    return 0;
}

// `RedProperty.Iot.Hub hash-secret`: reads a secret from stdin and prints its hash for the registry's
// secretHash or Mqtt:Readers:N:SecretHash, so plain secrets need not sit in configuration files.
if (args is ["hash-secret", ..])
{
    var secret = Console.In.ReadLine();
    if (string.IsNullOrEmpty(secret) || secret.Length < 8)
    {
        Console.Error.WriteLine("hash-secret: give a secret of at least 8 characters on stdin");
        return 2;
    }

    Console.WriteLine(RedProperty.Iot.Domain.Registry.DeviceSecretHasher.Hash(secret));
    return 0;
}

try
{
    var app = HubApp.Create(args);
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException)
{
    Console.Error.WriteLine($"redproperty-hub: {ex.Message}");
    return 2;
}
