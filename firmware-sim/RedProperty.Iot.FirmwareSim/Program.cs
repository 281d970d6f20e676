using System.CommandLine;
using MQTTnet.Protocol;
using RedProperty.Iot.FirmwareSim.Capture;
using RedProperty.Iot.FirmwareSim.Commands;
using RedProperty.Iot.FirmwareSim.Devices;
using RedProperty.Iot.FirmwareSim.Scenarios;

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

var scenarioArgument = new Argument<FileInfo>("SCENARIO") { Description = "Scenario file (YAML, see docs/simulator.md)" };
var optionalScenario = new Argument<FileInfo?>("SCENARIO") { Description = "Scenario file (YAML); without it, a demo compound from --site/--per-kind", Arity = ArgumentArity.ZeroOrOne };
var siteOption = new Option<string>("--site") { Description = "Site (compound) id, without a scenario", DefaultValueFactory = _ => "demo" };
var nameOption = new Option<string>("--name") { Description = "Site display name, without a scenario", DefaultValueFactory = _ => "演示小区" };
var perKind = new Option<int>("--per-kind") { Description = "Devices of each kind (buildings), without a scenario", DefaultValueFactory = _ => 8 };
var outOption = new Option<FileInfo>("--out") { Description = "Where to write the registry", Required = true };
var registryCommand = new Command("registry", "Write the registry (plain development secrets) of a scenario's compound, or of a demo compound, for the hub and the simulator.")
{
    optionalScenario, siteOption, nameOption, perKind, outOption,
};
registryCommand.SetAction(result =>
{
    var document = result.GetValue(optionalScenario) is { } scenarioFile
        ? ScenarioRegistry.Build(ScenarioReader.Load(scenarioFile.FullName))
        : RegistryFile.DemoCompound(result.GetValue(siteOption)!, result.GetValue(nameOption)!, result.GetValue(perKind));
    RegistryFile.Write(document, result.GetValue(outOption)!.FullName);
    Console.WriteLine($"wrote {document.Sites!.Sum(s => s.Devices!.Count)} devices to {result.GetValue(outOption)!.FullName}");
    return 0;
});
root.Subcommands.Add(registryCommand);

var paceOption = new Option<Pace?>("--speed")
{
    Description = "Pace: a factor on real time (60: a simulated minute per second) or max (as fast as possible)",
    CustomParser = r =>
    {
        var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : string.Empty;
        if (Pace.TryParse(text, out var pace))
        {
            return pace;
        }

        r.AddError($"--speed '{text}' must be a positive factor such as 60, or max");
        return null;
    },
};
var registryForDevices = new Option<FileInfo>("--registry") { Description = "Registry JSON with the devices' plain secrets (from `registry`)" };
var lossOption = new Option<double>("--loss") { Description = "Share of telemetry messages to drop on purpose (0-1), as a lossy network would", DefaultValueFactory = _ => 0 };
lossOption.Validators.Add(r => { if (r.GetValueOrDefault<double>() is < 0 or > 1) { r.AddError("--loss must be between 0 and 1"); } });
var skewOption = new Option<string>("--clock-skew") { Description = "Devices' clock error added to ts, e.g. 90s or -10m", DefaultValueFactory = _ => "0s" };
var captureOption = new Option<FileInfo?>("--capture") { Description = "Also write what is published to this capture file (JSON Lines)" };
var renderOnly = new Option<bool>("--render-only") { Description = "No broker: render the scenario's traffic in simulated time straight into --capture" };
var quietOption = new Option<bool>("--quiet") { Description = "No progress line every second (for a log file)" };
var runCommand = new Command("run", "Play a scenario: every device its own MQTT client with realistic behaviour and the scripted incidents.")
{
    scenarioArgument, registryForDevices, broker, paceOption, lossOption, skewOption, captureOption, renderOnly, quietOption,
};
runCommand.SetAction(async (result, ct) =>
{
    var scenario = ScenarioReader.Load(result.GetValue(scenarioArgument)!.FullName);
    var skewText = result.GetValue(skewOption)!;
    var negative = skewText.StartsWith('-');
    if (!ScenarioReader.TryParseDuration(skewText.TrimStart('-', '+'), out var skew))
    {
        Console.Error.WriteLine($"firmware-sim: --clock-skew '{skewText}' must be a duration such as 90s or -10m");
        return 2;
    }

    var render = result.GetValue(renderOnly);
    if (render && result.GetValue(captureOption) is null)
    {
        Console.Error.WriteLine("firmware-sim: --render-only needs --capture FILE");
        return 2;
    }

    if (!render && result.GetValue(registryForDevices) is null)
    {
        Console.Error.WriteLine("firmware-sim: run needs --registry FILE (write it with `firmware-sim registry SCENARIO --out FILE` and give the same file to the hub)");
        return 2;
    }

    return await ScenarioRunCommand.RunAsync(
        scenario,
        result.GetValue(registryForDevices)?.FullName,
        result.GetValue(broker)!,
        new RunSettings(result.GetValue(paceOption), result.GetValue(lossOption), negative ? -skew : skew, result.GetValue(captureOption)?.FullName, render, result.GetValue(quietOption)),
        Console.Out,
        ct);
});
root.Subcommands.Add(runCommand);

var planCommand = new Command("plan", "Say what a scenario's incidents will look like on the desk and when: where, what happens, which alert and how long after the devices are up (from the hub's own rules).")
{
    scenarioArgument,
};
planCommand.SetAction(result =>
{
    var scenario = ScenarioReader.Load(result.GetValue(scenarioArgument)!.FullName);
    IncidentPlan.Write(IncidentPlan.Of(scenario), scenario.Pace, Console.Out);
    return 0;
});
root.Subcommands.Add(planCommand);

var topicsOption = new Option<string[]>("--topic") { Description = "Topic filter(s) to record", DefaultValueFactory = _ => ["rp/#"], AllowMultipleArgumentsPerToken = true };
var recordUser = new Option<string?>("--username") { Description = "Broker account allowed to read the devices' topics" };
var recordPassword = new Option<string?>("--password") { Description = "Its password" };
var recordOut = new Option<FileInfo>("--out") { Description = "Capture file to write (JSON Lines)", Required = true };
var recordDuration = new Option<string?>("--duration") { Description = "How long to record, e.g. 10m (default: until Ctrl+C)" };
var recordCommand = new Command("record", "Subscribe to a broker and write every message to a capture file (time offset, topic, payload, QoS, retain).")
{
    broker, recordUser, recordPassword, topicsOption, recordOut, recordDuration,
};
recordCommand.SetAction(async (result, ct) =>
{
    TimeSpan? duration = null;
    if (result.GetValue(recordDuration) is { } text)
    {
        if (!ScenarioReader.TryParseDuration(text, out var d) || d <= TimeSpan.Zero)
        {
            Console.Error.WriteLine($"firmware-sim: --duration '{text}' must be a duration such as 90s or 10m");
            return 2;
        }

        duration = d;
    }

    await CaptureRecorder.RecordAsync(result.GetValue(broker)!, result.GetValue(recordUser), result.GetValue(recordPassword), result.GetValue(topicsOption)!, result.GetValue(recordOut)!.FullName, duration, Console.Out, ct);
    return 0;
});
root.Subcommands.Add(recordCommand);

var captureArgument = new Argument<FileInfo>("CAPTURE") { Description = "Capture file (JSON Lines, from record or run --capture)" };
var replayRegistry = new Option<FileInfo>("--registry") { Description = "Registry JSON with the devices' plain secrets", Required = true };
var replayCommand = new Command("replay", "Publish a capture again as the devices that sent it (their credentials), at its original timing, faster (--speed N) or as fast as possible (--speed max).")
{
    captureArgument, replayRegistry, broker, paceOption,
};
replayCommand.SetAction(async (result, ct) =>
{
    var (header, records) = CaptureReader.Read(result.GetValue(captureArgument)!.FullName);
    var pace = result.GetValue(paceOption) ?? new Pace(1);
    Console.WriteLine($"replaying {records.Count} messages captured {header.StartedAt:u} ({header.Source}) at {pace}");
    var outcome = await CaptureReplayer.ReplayAsync(records, RegistryFile.ReadIdentities(result.GetValue(replayRegistry)!.FullName), result.GetValue(broker)!, pace, Console.Out, ct);
    Console.WriteLine($"published {outcome.Published}, skipped {outcome.Skipped}, in {outcome.Elapsed.TotalSeconds:0.0} s");
    return 0;
});
root.Subcommands.Add(replayCommand);

var devicesOption = new Option<int>("--devices") { Description = "Devices to connect (taken from the registry)", DefaultValueFactory = _ => 500 };
var rateOption = new Option<double>("--rate") { Description = "Total messages per second (0: as fast as possible)", DefaultValueFactory = _ => 0 };
var loadDuration = new Option<double>("--duration") { Description = "Seconds to publish and measure (after the warm-up)", DefaultValueFactory = _ => 30 };
var warmupOption = new Option<double>("--warmup") { Description = "Seconds to publish before measuring (not counted in RESULT)", DefaultValueFactory = _ => 0 };
warmupOption.Validators.Add(r => { if (r.GetValueOrDefault<double>() < 0) { r.AddError("--warmup must be 0 or more seconds"); } });
var inflight = new Option<int>("--inflight") { Description = "Unacknowledged QoS 1 messages per device", DefaultValueFactory = _ => 4 };
var loadCommand = new Command("load", "Load generator: N devices at a target rate; prints the achieved rate and QoS 1 acknowledgement latency.")
{
    registry, broker, devicesOption, rateOption, warmupOption, loadDuration, qos, inflight,
};
loadCommand.SetAction(async (result, ct) =>
{
    var outcome = await LoadCommand.RunAsync(
        result.GetValue(registry)!.FullName,
        result.GetValue(broker)!,
        result.GetValue(devicesOption),
        result.GetValue(rateOption),
        TimeSpan.FromSeconds(result.GetValue(warmupOption)),
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
    CustomParser = HubUrl,
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

var edgesOption = new Option<int>("--edges") { Description = "Simulated edge hubs (edge-1 owning court-1, …)", DefaultValueFactory = _ => 100 };
var changeRate = new Option<double>("--rate") { Description = "Changes a second from all edges together; 0: each edge as fast as the broker acknowledges", DefaultValueFactory = _ => 200 };
var durationOption = new Option<int>("--duration") { Description = "Seconds of sending", DefaultValueFactory = _ => 20 };
var centreOption = new Option<Uri?>("--hub")
{
    Description = "The centre (http://host:port): time each change to its desk; left out: a plain MQTT subscriber (the peer)",
    CustomParser = HubUrl,
};
var centreUser = new Option<string?>("--username") { Description = "Staff user name at the centre" };
var centrePassword = new Option<string?>("--password") { Description = "Staff password at the centre" };
var districtCommand = new Command("district-load", "Simulated edge hubs publish their uplink to a district broker; times each change to a centre's desk, or to a plain subscriber.")
{
    broker, centreOption, centreUser, centrePassword, edgesOption, changeRate, durationOption,
};
districtCommand.SetAction((result, ct) => DistrictLoadCommand.RunAsync(
    result.GetValue(broker)!,
    result.GetValue(centreOption),
    result.GetValue(centreUser),
    result.GetValue(centrePassword),
    result.GetValue(edgesOption),
    result.GetValue(changeRate),
    TimeSpan.FromSeconds(result.GetValue(durationOption)),
    Console.Out,
    ct));
root.Subcommands.Add(districtCommand);

var fuzzHost = new Option<string>("--host") { Description = "Broker host", DefaultValueFactory = _ => "127.0.0.1" };
var fuzzPort = new Option<int?>("--port") { Description = "MQTT over TCP port (left out: not fuzzed)" };
var fuzzTlsPort = new Option<int?>("--tls-port") { Description = "MQTT over TLS port (any certificate is accepted)" };
var fuzzWebSocket = new Option<Uri?>("--ws-url")
{
    Description = "MQTT over WebSockets URL, e.g. ws://127.0.0.1:8080/mqtt",
    CustomParser = r =>
    {
        var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : string.Empty;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "ws" or "wss")
        {
            return uri;
        }

        r.AddError($"--ws-url '{text}' must be a URL such as ws://127.0.0.1:8080/mqtt");
        return null;
    },
};
var seedOption = new Option<int>("--seed") { Description = "Seed: the same seed makes the same cases", DefaultValueFactory = _ => 1 };
var casesOption = new Option<int>("--cases") { Description = "Connections to fuzz", DefaultValueFactory = _ => 1000 };
var parallelOption = new Option<int>("--parallel") { Description = "Connections at once", DefaultValueFactory = _ => 8 };
var fuzzCommand = new Command("fuzz", "Seeded MQTT fuzzing of a broker: broken packets of every type, MQTT 3.1.1 and 5, before and after a good login, over TCP, TLS and WebSockets.")
{
    registry, fuzzHost, fuzzPort, fuzzTlsPort, fuzzWebSocket, seedOption, casesOption, parallelOption,
};
fuzzCommand.SetAction((result, ct) => FuzzCommand.RunAsync(
    result.GetValue(registry)!.FullName,
    new RedProperty.Iot.FirmwareSim.Fuzzing.FuzzTargets(result.GetValue(fuzzHost)!, result.GetValue(fuzzPort), result.GetValue(fuzzTlsPort), result.GetValue(fuzzWebSocket)),
    result.GetValue(seedOption),
    Math.Max(1, result.GetValue(casesOption)),
    Math.Max(1, result.GetValue(parallelOption)),
    Console.Out,
    ct));
root.Subcommands.Add(fuzzCommand);

var floodUser = new Option<string>("--username") { Description = "User name to guess secrets for (an existing device's is the expensive case)", Required = true };
var floodRate = new Option<double>("--rate") { Description = "Attempts per second", DefaultValueFactory = _ => 500 };
var floodDuration = new Option<double>("--duration") { Description = "Seconds to keep guessing", DefaultValueFactory = _ => 60 };
var floodFrom = new Option<string?>("--from") { Description = "Local address to send from, e.g. 127.0.0.2 (all of 127.0.0.0/8 is loopback)" };
var floodV311 = new Option<bool>("--mqtt311") { Description = "MQTT 3.1.1 instead of 5" };
var floodCommand = new Command("login-flood", "Wrong-secret CONNECTs at a steady rate from one address; prints the broker's answers and their latency.")
{
    fuzzHost, fuzzPort, floodUser, floodRate, floodDuration, floodFrom, floodV311,
};
floodCommand.SetAction((result, ct) => LoginFloodCommand.RunAsync(
    result.GetValue(fuzzHost)!,
    result.GetValue(fuzzPort) ?? 1883,
    result.GetValue(floodFrom) is { } from ? System.Net.IPAddress.Parse(from) : null,
    result.GetValue(floodUser)!,
    Math.Max(0.1, result.GetValue(floodRate)),
    TimeSpan.FromSeconds(result.GetValue(floodDuration)),
    result.GetValue(floodV311) ? MQTTnet.Formatter.MqttProtocolVersion.V311 : MQTTnet.Formatter.MqttProtocolVersion.V500,
    Console.Out,
    ct));
root.Subcommands.Add(floodCommand);

var oversizeCount = new Option<int>("--count") { Description = "Devices, each sending one oversized publish at once", DefaultValueFactory = _ => 5 };
var oversizeMegabytes = new Option<int>("--megabytes") { Description = "Size of each publish in MB", DefaultValueFactory = _ => 100 };
var oversizeCommand = new Command("oversize", "Devices each send one oversized PUBLISH; prints how much of it the broker took before closing the connection.")
{
    registry, fuzzHost, fuzzPort, oversizeCount, oversizeMegabytes,
};
oversizeCommand.SetAction((result, ct) => OversizeCommand.RunAsync(
    result.GetValue(registry)!.FullName,
    result.GetValue(fuzzHost)!,
    result.GetValue(fuzzPort) ?? 1883,
    Math.Max(1, result.GetValue(oversizeCount)),
    Math.Max(1, result.GetValue(oversizeMegabytes)) * 1_000_000L,
    Console.Out,
    ct));
root.Subcommands.Add(oversizeCommand);

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex) when (ex is InvalidDataException or IOException or HttpRequestException or MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Adapter.MqttConnectingFailedException)
{
    Console.Error.WriteLine($"firmware-sim: {ex.Message}");
    return 2;
}

static Uri? HubUrl(System.CommandLine.Parsing.ArgumentResult r)
{
    var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : string.Empty;
    if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
    {
        return uri;
    }

    r.AddError($"--hub '{text}' must be a URL such as http://127.0.0.1:8080");
    return null;
}
