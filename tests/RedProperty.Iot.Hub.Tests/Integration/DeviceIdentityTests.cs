using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;
using RedProperty.Iot.Domain.Registry;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// A device is who its verified credentials say, whatever client id or stored session it presents;
/// and the clients that real devices and tools are, with their defaults, get in.
/// </summary>
public sealed class DeviceIdentityTests : IAsyncLifetime
{
    private const string ReaderName = "district";
    private const string ReaderSecret = "district-reader-secret";
    private string _workDir = null!;
    private HubHost _hub = null!;

    public async Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-identity-").FullName;
        _hub = await HubHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Influx:Version"] = "none",
            ["Mqtt:Readers:0:Username"] = ReaderName,
            ["Mqtt:Readers:0:SecretHash"] = DeviceSecretHasher.Hash(ReaderSecret, 1000),
            ["Mqtt:Readers:0:Sites:0"] = TestRegistry.Site,
        });
    }

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task A_device_cannot_resume_the_session_another_device_left_under_its_client_id(MqttProtocolVersion version)
    {
        // light-1 leaves a session (with its cmd subscription) under a client id, and a command waits in it.
        var owner = await ConnectAsync("testsite/light-1", TestRegistry.SecretOf("light-1"), "lamp-controller", version, persistent: true);
        await owner.SubscribeAsync("rp/testsite/light/light-1/cmd", MqttQualityOfServiceLevel.AtLeastOnce);
        await owner.DisconnectAsync();
        await InjectAsync("rp/testsite/light/light-1/cmd", """{"type":"switch","on":false}""");

        // light-2 logs in with its own secret under that client id and asks to resume.
        var received = new List<string>();
        var intruder = new MqttClientFactory().CreateMqttClient();
        intruder.ApplicationMessageReceivedAsync += e =>
        {
            lock (received)
            {
                received.Add(e.ApplicationMessage.Topic);
            }

            return Task.CompletedTask;
        };
        var result = await ConnectRetryingAsync(intruder, Options("testsite/light-2", TestRegistry.SecretOf("light-2"), "lamp-controller", version, persistent: true));

        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        Assert.False(result.IsSessionPresent, "light-2 was given light-1's stored session");

        var foreign = await HubHost.PublishAsync(intruder, "rp/testsite/light/light-1/telemetry", """{"on":true,"lux":1}""");
        var own = await HubHost.PublishAsync(intruder, "rp/testsite/light/light-2/telemetry", """{"on":true,"lux":70}""");
        await Task.Delay(500);

        if (version == MqttProtocolVersion.V500)
        {
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, foreign.ReasonCode);
        }

        Assert.True(own.IsSuccess);
        var light1 = await _hub.GetJsonAsync("/api/devices/testsite/light-1");
        var light2 = await _hub.GetJsonAsync("/api/devices/testsite/light-2");
        Assert.Equal(0, light1.GetProperty("messages").GetInt64());
        Assert.Equal(1, light2.GetProperty("messages").GetInt64());
        Assert.Equal(1, light2.GetProperty("rejections").GetProperty("foreign_topic").GetInt64());
        lock (received)
        {
            Assert.Empty(received);
        }

        await intruder.DisconnectAsync();
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task A_device_resumes_its_own_session_and_gets_what_waited_for_it(MqttProtocolVersion version)
    {
        var device = await ConnectAsync("testsite/light-1", TestRegistry.SecretOf("light-1"), "lamp-controller", version, persistent: true);
        await device.SubscribeAsync("rp/testsite/light/light-1/cmd", MqttQualityOfServiceLevel.AtLeastOnce);
        await device.DisconnectAsync();
        await InjectAsync("rp/testsite/light/light-1/cmd", """{"type":"switch","on":false}""");

        var commands = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var again = new MqttClientFactory().CreateMqttClient();
        again.ApplicationMessageReceivedAsync += e =>
        {
            commands.TrySetResult(Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
            return Task.CompletedTask;
        };
        var result = await again.ConnectAsync(Options("testsite/light-1", TestRegistry.SecretOf("light-1"), "lamp-controller", version, persistent: true));
        Assert.True(result.IsSessionPresent);
        Assert.Contains("switch", await commands.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True((await HubHost.PublishAsync(again, "rp/testsite/light/light-1/telemetry", """{"on":true,"lux":40}""")).IsSuccess);
        Assert.Equal(1, (await _hub.GetJsonAsync("/api/devices/testsite/light-1")).GetProperty("messages").GetInt64());
        await again.DisconnectAsync();
    }

    [Fact]
    public async Task A_report_reader_cannot_resume_a_devices_session_nor_a_device_a_readers()
    {
        var device = await ConnectAsync("testsite/cam-1", TestRegistry.SecretOf("cam-1"), "shared", MqttProtocolVersion.V500, persistent: true);
        await device.SubscribeAsync("rp/testsite/camera/cam-1/cmd", MqttQualityOfServiceLevel.AtLeastOnce);
        await device.DisconnectAsync();
        await InjectAsync("rp/testsite/camera/cam-1/cmd", """{"type":"reboot"}""");

        var received = 0;
        var reader = new MqttClientFactory().CreateMqttClient();
        reader.ApplicationMessageReceivedAsync += _ =>
        {
            Interlocked.Increment(ref received);
            return Task.CompletedTask;
        };
        var result = await ConnectRetryingAsync(reader, Options(ReaderName, ReaderSecret, "shared", MqttProtocolVersion.V500, persistent: true));
        Assert.False(result.IsSessionPresent);
        await Task.Delay(500);
        Assert.Equal(0, received);
        await reader.DisconnectAsync();

        // And the other way round: the reader's stored session is not the camera's to resume.
        var camera = await ConnectAsync("testsite/cam-1", TestRegistry.SecretOf("cam-1"), "shared", MqttProtocolVersion.V500, persistent: true);
        Assert.True((await HubHost.PublishAsync(camera, "rp/testsite/camera/cam-1/telemetry", """{"online":true}""")).IsSuccess);
        Assert.Equal(1, (await _hub.GetJsonAsync("/api/devices/testsite/cam-1")).GetProperty("messages").GetInt64());
        await camera.DisconnectAsync();
    }

    [Fact]
    public async Task A_publish_from_a_session_without_its_own_verified_identity_is_refused()
    {
        var broker = _hub.Services.GetRequiredService<RedProperty.Iot.Hub.Broker.DeviceBroker>();
        var registry = _hub.Services.GetRequiredService<DeviceRegistry>();
        Assert.True(registry.TryGetDevice("testsite/light-1", out var light));
        var message = new MqttApplicationMessageBuilder().WithTopic("rp/testsite/camera/cam-1/telemetry").WithPayload("""{"online":true}""").Build();

        // No identity at all, and the identity of another device than the connection's own.
        var unverified = new InterceptingPublishEventArgs(message, "cam-1", "testsite/cam-1", new Dictionary<object, object>(), CancellationToken.None);
        var foreign = new InterceptingPublishEventArgs(message, "cam-1", "testsite/cam-1", new Dictionary<object, object> { ["rp.identity"] = RedProperty.Iot.Hub.Broker.Logins.SessionIdentity.Of(light) }, CancellationToken.None);
        foreach (var args in new[] { unverified, foreign })
        {
            await broker.InterceptPublishAsync(args);
            Assert.False(args.ProcessPublish);
            Assert.True(args.CloseConnection);
            Assert.Equal(MqttPubAckReasonCode.NotAuthorized, args.Response.ReasonCode);
        }

        Assert.Equal(0, (await _hub.GetJsonAsync("/api/devices/testsite/cam-1")).GetProperty("messages").GetInt64());
        Assert.Equal(0, (await _hub.GetJsonAsync("/api/devices/testsite/light-1")).GetProperty("messages").GetInt64());
    }

    [Fact]
    public async Task An_mqtt5_client_without_a_client_id_is_assigned_its_user_name()
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(Options("testsite/cam-1", TestRegistry.SecretOf("cam-1"), string.Empty, MqttProtocolVersion.V500, persistent: false));
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        Assert.Equal("testsite/cam-1", result.AssignedClientIdentifier);
        Assert.True((await HubHost.PublishAsync(client, "rp/testsite/camera/cam-1/telemetry", """{"online":true}""")).IsSuccess);
        await client.DisconnectAsync();
    }

    [Fact]
    public async Task An_mqtt311_client_without_a_client_id_gets_in_with_a_clean_session_only()
    {
        // MQTTnet's client makes up an id when given none, so the CONNECT is written by hand.
        var (clean, accepted) = await MqttWire.LoginAsync(_hub.MqttPort, MqttProtocolVersion.V311, "testsite/cam-1", TestRegistry.SecretOf("cam-1"), string.Empty);
        using (clean)
        {
            Assert.Equal(0, accepted);
            await clean.GetStream().WriteAsync(MqttWire.Publish(MqttProtocolVersion.V311, "rp/testsite/camera/cam-1/telemetry", """{"online":true}""", MqttQualityOfServiceLevel.AtLeastOnce));
            var pubAck = await MqttWire.ReadPacketAsync(clean.GetStream(), TimeSpan.FromSeconds(10));
            Assert.Equal((byte)0x40, pubAck?[0]);
        }

        Assert.Equal(1, (await _hub.GetJsonAsync("/api/devices/testsite/cam-1")).GetProperty("messages").GetInt64());

        // MQTT 3.1.1 (3.1.3-8): a zero-length client id with a session to keep is refused. MQTTnet's decoder
        // treats it as a protocol violation and closes the connection instead of answering "identifier rejected".
        var (refused, code) = await MqttWire.LoginAsync(_hub.MqttPort, MqttProtocolVersion.V311, "testsite/cam-1", TestRegistry.SecretOf("cam-1"), string.Empty, cleanSession: false);
        using (refused)
        {
            Assert.Equal(-1, code);
            Assert.True(await MqttWire.ClosedByHubAsync(refused, TimeSpan.FromSeconds(5)));
        }
    }

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("5")]
    public async Task Mosquitto_pub_with_its_defaults_publishes(string protocol)
    {
        var start = new ProcessStartInfo("mosquitto_pub") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[]
        {
            "-h", "127.0.0.1", "-p", _hub.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-V", protocol, "-q", "1",
            "-u", "testsite/cam-1", "-P", TestRegistry.SecretOf("cam-1"),
            "-t", "rp/testsite/camera/cam-1/telemetry", "-m", """{"online":true,"persons":2}""",
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(process.ExitCode == 0, $"mosquitto_pub -V {protocol} exited with {process.ExitCode}: {await error}");
        Assert.Equal(1, (await _hub.GetJsonAsync("/api/devices/testsite/cam-1")).GetProperty("messages").GetInt64());
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task An_unknown_device_and_a_wrong_secret_get_the_same_answer(MqttProtocolVersion version)
    {
        var (_, unknown) = await MqttWire.LoginAsync(_hub.MqttPort, version, "testsite/nobody", "whatever-secret", "a");
        var (_, wrong) = await MqttWire.LoginAsync(_hub.MqttPort, version, "testsite/cam-1", "whatever-secret", "b");
        var (_, noSite) = await MqttWire.LoginAsync(_hub.MqttPort, version, "cam-1", "whatever-secret", "c");
        Assert.Equal(wrong, unknown);
        Assert.Equal(wrong, noSite);
        Assert.Equal(version == MqttProtocolVersion.V500 ? 0x86 : 4, wrong);
    }

    private async Task<IMqttClient> ConnectAsync(string userName, string secret, string clientId, MqttProtocolVersion version, bool persistent)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await ConnectRetryingAsync(client, Options(userName, secret, clientId, version, persistent));
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return client;
    }

    /// <summary>
    /// Until the hub has handled the previous holder's DISCONNECT a shared client id is in use and refused
    /// (ClientIdentifierNotValid, by design); a device retries, so does the test, for up to 5 s.
    /// </summary>
    private static async Task<MqttClientConnectResult> ConnectRetryingAsync(IMqttClient client, MqttClientOptions options)
    {
        var until = DateTime.UtcNow.AddSeconds(5);
        var result = await client.ConnectAsync(options);
        while (result.ResultCode == MqttClientConnectResultCode.ClientIdentifierNotValid && DateTime.UtcNow < until)
        {
            await Task.Delay(50);
            result = await client.ConnectAsync(options);
        }

        return result;
    }

    private MqttClientOptions Options(string userName, string secret, string clientId, MqttProtocolVersion version, bool persistent) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", _hub.MqttPort)
            .WithClientId(clientId)
            .WithCredentials(userName, secret)
            .WithProtocolVersion(version)
            .WithCleanSession(!persistent)
            .WithSessionExpiryInterval(persistent ? 3600u : 0u)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();

    private Task InjectAsync(string topic, string payload) =>
        _hub.Services.GetRequiredService<MqttServer>().InjectApplicationMessage(new InjectedMqttApplicationMessage(
            new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build())
        {
            SenderClientId = "redproperty-hub",
        });
}
