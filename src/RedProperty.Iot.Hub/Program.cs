using RedProperty.Iot.Hub;

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
