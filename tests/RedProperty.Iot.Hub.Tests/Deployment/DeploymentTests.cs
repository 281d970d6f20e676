using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using RedProperty.Iot.Hub.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace RedProperty.Iot.Hub.Tests.Deployment;

/// <summary>What can be checked of the deployment files on a machine without Docker.</summary>
[Collection("heavy")]
public sealed partial class DeploymentTests
{
    [Fact]
    public async Task The_systemd_unit_passes_systemd_analyze_and_is_hardened()
    {
        var unit = await File.ReadAllTextAsync(Repository.PathOf("deploy", "systemd", "redproperty-hub.service"));
        foreach (var setting in new[] { "Type=notify", "User=redproperty", "Restart=on-failure", "StateDirectory=redproperty-hub", "NoNewPrivileges=true", "ProtectSystem=strict", "ProtectHome=true", "PrivateTmp=true", "CapabilityBoundingSet=" })
        {
            Assert.Contains(setting + "\n", unit);
        }

        // systemd-analyze checks every directive; the binary itself is not installed here.
        var copy = Path.Combine(Directory.CreateTempSubdirectory("rp-unit-").FullName, "redproperty-hub.service");
        await File.WriteAllTextAsync(copy, ExecStart().Replace(unit, "ExecStart=/usr/bin/true"));
        var (exit, output) = await RunAsync("systemd-analyze", "verify", copy);
        Assert.True(exit == 0 && !output.Contains("Unknown", StringComparison.Ordinal) && !output.Contains("rror", StringComparison.Ordinal), output);
        Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
    }

    [Fact]
    public void The_compose_file_parses_and_everything_it_mounts_or_asks_for_exists()
    {
        var compose = LoadYaml(Repository.PathOf("deploy", "compose.yaml"));
        var services = (YamlMappingNode)compose.Children[new YamlScalarNode("services")];
        Assert.Equal(["grafana", "hub", "influxdb"], services.Children.Keys.Select(k => k.ToString()).Order());

        var defined = File.ReadAllLines(Repository.PathOf("deploy", "stack.env.example"))
            .Where(l => l.Contains('=') && !l.StartsWith('#')).Select(l => l[..l.IndexOf('=')]).ToHashSet();
        var text = File.ReadAllText(Repository.PathOf("deploy", "compose.yaml"));
        foreach (Match used in Variable().Matches(text))
        {
            Assert.Contains(used.Groups[1].Value, defined);
        }

        foreach (var (name, service) in services.Children.Select(kv => (kv.Key.ToString(), (YamlMappingNode)kv.Value)))
        {
            if (!service.Children.TryGetValue(new YamlScalarNode("volumes"), out var volumes))
            {
                continue;
            }

            foreach (var volume in ((YamlSequenceNode)volumes).Children.Select(v => v.ToString()))
            {
                var source = volume.Split(':')[0];
                if (source.StartsWith('.'))
                {
                    Assert.True(Directory.Exists(Path.GetFullPath(Path.Combine(Repository.PathOf("deploy"), source))), $"{name}: {source} does not exist");
                }
            }
        }

        // The hub's settings in the compose file are keys the hub knows (section__key).
        var hubEnvironment = (YamlMappingNode)((YamlMappingNode)services.Children[new YamlScalarNode("hub")]).Children[new YamlScalarNode("environment")];
        foreach (var key in hubEnvironment.Children.Keys.Select(k => k.ToString()))
        {
            Assert.Matches("^(Hub|Influx|Staff|Mqtt|Http|Alerts|Gpio|Cameras|Tls)__", key);
        }

        var dockerfile = File.ReadAllText(Repository.PathOf("deploy", "Dockerfile"));
        Assert.Contains("USER app", dockerfile);
        Assert.Contains("HEALTHCHECK", dockerfile);
        Assert.Contains("AS build", dockerfile);
    }

    [Fact]
    public void Grafana_provisioning_matches_the_dashboards_folder()
    {
        var datasource = LoadYaml(Repository.PathOf("dashboards", "provisioning", "datasources", "influxdb.yaml"));
        var uid = ((YamlMappingNode)((YamlSequenceNode)datasource.Children[new YamlScalarNode("datasources")]).Children[0]).Children[new YamlScalarNode("uid")].ToString();
        foreach (var file in Directory.GetFiles(Repository.PathOf("dashboards"), "*.json"))
        {
            using var dashboard = JsonDocument.Parse(File.ReadAllText(file));
            var uids = dashboard.RootElement.GetProperty("panels").EnumerateArray().Select(p => p.GetProperty("datasource").GetProperty("uid").GetString()).Distinct();
            Assert.Equal([uid], uids);
        }

        var provider = LoadYaml(Repository.PathOf("dashboards", "provisioning", "dashboards", "redproperty.yaml"));
        var path = ((YamlMappingNode)((YamlMappingNode)((YamlSequenceNode)provider.Children[new YamlScalarNode("providers")]).Children[0]).Children[new YamlScalarNode("options")]).Children[new YamlScalarNode("path")].ToString();
        Assert.Contains($"../dashboards:{path}:ro", File.ReadAllText(Repository.PathOf("deploy", "compose.yaml")));
    }

    [Fact]
    public async Task The_published_hub_starts_from_its_publish_folder_and_answers_its_health_check()
    {
        var work = Directory.CreateTempSubdirectory("rp-publish-").FullName;
        try
        {
            var publish = Path.Combine(work, "app");
            var (built, log) = await RunAsync("dotnet", "publish", Repository.PathOf("src", "RedProperty.Iot.Hub", "RedProperty.Iot.Hub.csproj"), "-c", "Release", "-o", publish, "--nologo");
            Assert.True(built == 0, log);
            Assert.True(File.Exists(Path.Combine(publish, "wwwroot", "index.html")));
            Assert.True(File.Exists(Path.Combine(publish, "wwwroot", "lib", "signalr", "signalr.min.js")));

            var port = FreePort.Next();
            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { Path.Combine(publish, "RedProperty.Iot.Hub.dll"), "--Http:Urls", $"http://127.0.0.1:{port}", "--Mqtt:Port", "0", "--Mqtt:BindAddress", "127.0.0.1", "--Hub:DataDir", Path.Combine(work, "data") })
            {
                start.ArgumentList.Add(argument);
            }

            using var hub = Process.Start(start)!;
            hub.OutputDataReceived += (_, _) => { };
            hub.ErrorDataReceived += (_, _) => { };
            hub.BeginOutputReadLine();
            hub.BeginErrorReadLine();
            try
            {
                using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
                await Eventually.BecomesAsync(async () =>
                {
                    try
                    {
                        return (await http.GetAsync("/healthz")).StatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        return HttpStatusCode.ServiceUnavailable;
                    }
                }, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "the published hub's /healthz");
                Assert.Equal(HttpStatusCode.Redirect, (await http.GetAsync("/")).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/login.html")).StatusCode);

                var (healthy, said) = await RunAsync("dotnet", Path.Combine(publish, "RedProperty.Iot.Hub.dll"), "healthcheck", $"http://127.0.0.1:{port}/healthz");
                Assert.True(healthy == 0, said);
                var (unhealthy, _) = await RunAsync("dotnet", Path.Combine(publish, "RedProperty.Iot.Hub.dll"), "healthcheck", $"http://127.0.0.1:{FreePort.Next()}/healthz");
                Assert.Equal(1, unhealthy);
            }
            finally
            {
                hub.Kill(entireProcessTree: true);
                await hub.WaitForExitAsync();
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static YamlMappingNode LoadYaml(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static async Task<(int Exit, string Output)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex("^ExecStart=.*$", RegexOptions.Multiline)]
    private static partial Regex ExecStart();

    [GeneratedRegex(@"\$\{([A-Z_]+)\}")]
    private static partial Regex Variable();
}
