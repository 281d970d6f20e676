using System.CommandLine;
using MQTTnet.Protocol;
using RedProperty.Iot.FirmwareSim.Commands;
using RedProperty.Iot.FirmwareSim.Devices;

var broker = new Option<Uri>("--broker")
{
    Description = "Broker URL: mqtt://host:1883 or ws://host:8080/mqtt",
    DefaultValueFactory = _ => new Uri("mqtt://127.0.0.1:1883"),
    CustomParser = r =>
    {
        var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : string.Empty;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "mqtt" or "tcp" or "ws" or "wss")
        {
            return uri;
        }

        r.AddError($"--broker '{text}' must be a URL such as mqtt://127.0.0.1:1883 or ws://127.0.0.1:8080/mqtt");
        return null;
    },
};
var registry = new Option<FileInfo>("--registry") { Description = "Registry JSON with the devices' plain secrets", Required = true };
var qos = new Option<int>("--qos") { Description = "QoS for telemetry: 0 or 1", DefaultValueFactory = _ => 1 };
qos.Validators.Add(r => { if (r.GetValueOrDefault<int>() is not (0 or 1)) { r.AddError("--qos must be 0 or 1"); } });

var root = new RootCommand("RedProperty.Iot firmware simulator: simulated compound devices speaking the device contract over MQTT.");

var siteOption = new Option<string>("--site") { Description = "Site (compound) id", DefaultValueFactory = _ => "demo" };
var nameOption = new Option<string>("--name") { Description = "Site display name", DefaultValueFactory = _ => "演示小区" };
var perKind = new Option<int>("--per-kind") { Description = "Devices of each kind (buildings)", DefaultValueFactory = _ => 8 };
var outOption = new Option<FileInfo>("--out") { Description = "Where to write the registry", Required = true };
var registryCommand = new Command("registry", "Write a demo compound registry (plain development secrets) for the hub and the simulator.")
{
    siteOption, nameOption, perKind, outOption,
};
registryCommand.SetAction(result =>
{
    var document = RegistryFile.DemoCompound(result.GetValue(siteOption)!, result.GetValue(nameOption)!, result.GetValue(perKind));
    RegistryFile.Write(document, result.GetValue(outOption)!.FullName);
    Console.WriteLine($"wrote {document.Sites![0].Devices!.Count} devices to {result.GetValue(outOption)!.FullName}");
    return 0;
});
root.Subcommands.Add(registryCommand);

var interval = new Option<double>("--interval") { Description = "Seconds between telemetry messages of one device", DefaultValueFactory = _ => 5 };
var durationOption = new Option<double?>("--duration") { Description = "Seconds to run (default: until Ctrl+C)" };
var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 1 };
var runCommand = new Command("run", "Connect every device of a registry and publish plausible telemetry.") { registry, broker, interval, qos, durationOption, seed };
runCommand.SetAction((result, ct) => RunCommand.RunAsync(
    result.GetValue(registry)!.FullName,
    result.GetValue(broker)!,
    TimeSpan.FromSeconds(result.GetValue(interval)),
    (MqttQualityOfServiceLevel)result.GetValue(qos),
    result.GetValue(durationOption) is { } d ? TimeSpan.FromSeconds(d) : null,
    result.GetValue(seed),
    Console.Out,
    ct));
root.Subcommands.Add(runCommand);

var devicesOption = new Option<int>("--devices") { Description = "Devices to connect (taken from the registry)", DefaultValueFactory = _ => 500 };
var rateOption = new Option<double>("--rate") { Description = "Total messages per second (0: as fast as possible)", DefaultValueFactory = _ => 0 };
var loadDuration = new Option<double>("--duration") { Description = "Seconds to publish", DefaultValueFactory = _ => 30 };
var inflight = new Option<int>("--inflight") { Description = "Unacknowledged QoS 1 messages per device", DefaultValueFactory = _ => 4 };
var loadCommand = new Command("load", "Load generator: N devices at a target rate; prints the achieved rate and QoS 1 acknowledgement latency.")
{
    registry, broker, devicesOption, rateOption, loadDuration, qos, inflight,
};
loadCommand.SetAction(async (result, ct) =>
{
    var outcome = await LoadCommand.RunAsync(
        result.GetValue(registry)!.FullName,
        result.GetValue(broker)!,
        result.GetValue(devicesOption),
        result.GetValue(rateOption),
        TimeSpan.FromSeconds(result.GetValue(loadDuration)),
        (MqttQualityOfServiceLevel)result.GetValue(qos),
        Math.Max(1, result.GetValue(inflight)),
        Console.Out,
        ct);
    return outcome is null ? 2 : 0;
});
root.Subcommands.Add(loadCommand);

var hubOption = new Option<Uri>("--hub")
{
    Description = "Hub HTTP base URL",
    DefaultValueFactory = _ => new Uri("http://127.0.0.1:8080"),
    CustomParser = r =>
    {
        var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : string.Empty;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            return uri;
        }

        r.AddError($"--hub '{text}' must be a URL such as http://127.0.0.1:8080");
        return null;
    },
};
var userOption = new Option<string>("--username") { Description = "Staff user name", Required = true };
var passwordOption = new Option<string>("--password") { Description = "Staff password", Required = true };
var countOption = new Option<int>("--count") { Description = "Cameras to raise camera_tamper on, one after another", DefaultValueFactory = _ => 50 };
var spacingOption = new Option<int>("--spacing-ms") { Description = "Milliseconds between two cameras", DefaultValueFactory = _ => 100 };
var latencyCommand = new Command("alert-latency", "Times device publish to the desk's SignalR alertRaised (run beside load for background traffic).")
{
    registry, broker, hubOption, userOption, passwordOption, countOption, spacingOption,
};
latencyCommand.SetAction((result, ct) => AlertLatencyCommand.RunAsync(
    result.GetValue(registry)!.FullName,
    result.GetValue(broker)!,
    result.GetValue(hubOption)!,
    result.GetValue(userOption)!,
    result.GetValue(passwordOption)!,
    result.GetValue(countOption),
    TimeSpan.FromMilliseconds(result.GetValue(spacingOption)),
    Console.Out,
    ct));
root.Subcommands.Add(latencyCommand);

try
{
    return await root.Parse(args).InvokeAsync();
}
catch (Exception ex) when (ex is InvalidDataException or IOException or HttpRequestException or MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Adapter.MqttConnectingFailedException)
{
    Console.Error.WriteLine($"firmware-sim: {ex.Message}");
    return 2;
}
