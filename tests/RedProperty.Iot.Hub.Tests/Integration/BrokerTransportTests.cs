using System.Net;
using System.Net.Sockets;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// What a hostile or broken client can do to the broker before and after it logs in, against the hub as
/// its own process: half-sent packets, oversized packets, silence, too many connections, too many
/// unacknowledged publishes. Each must be refused without slowing anybody else.
/// </summary>
public sealed class BrokerTransportTests : IAsyncLifetime
{
    private static readonly IPAddress Stranger = IPAddress.Parse("127.0.0.3");
    private string _workDir = null!;
    private HubProcess _hub = null!;

    public async Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-transport-").FullName;
        _hub = await HubProcess.StartAsync(Path.Combine(_workDir, "data"), new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Influx:Version"] = "none",
            ["Mqtt:Limits:ConnectTimeoutSeconds"] = "2",
            ["Mqtt:Limits:MaxKeepAliveSeconds"] = "2",
            ["Mqtt:Limits:MaxConnectionsPerAddress"] = "8",
            ["Mqtt:Limits:MaxInflightPerClient"] = "8",
        });
    }

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Connects_closed_half_way_leave_the_hub_idle(MqttProtocolVersion version)
    {
        var idle = await _hub.CpuTicksOverAsync(TimeSpan.FromSeconds(2));
        var connect = MqttWire.Connect(version, "testsite/cam-1", TestRegistry.SecretOf("cam-1"), "half-sent");
        foreach (var cut in new[] { 2, connect.Length / 2 })
        {
            using var client = await MqttWire.OpenAsync(_hub.MqttPort, Stranger);
            await client.GetStream().WriteAsync(connect.AsMemory(0, cut));
            await Task.Delay(200);
        }

        // A spinning reader costs a whole core (200 ticks in 2 s) for good; anything else settles.
        var after = await _hub.SettledCpuTicksAsync(30 + idle, TimeSpan.FromSeconds(15));
        Assert.True(after < 30 + idle, $"the hub still used {after} clock ticks in 2 s after two half-sent connects (idle: {idle} in 2 s)");
        await AGoodDeviceStillWorksAsync();
    }

    [Fact]
    public async Task An_oversized_publish_is_refused_before_it_is_buffered()
    {
        var before = _hub.ResidentBytes();
        for (var i = 0; i < 3; i++)
        {
            var (client, code) = await MqttWire.LoginAsync(_hub.MqttPort, MqttProtocolVersion.V311, "testsite/light-1", TestRegistry.SecretOf("light-1"), $"big-{i}");
            using (client)
            {
                Assert.Equal(0, code);
                var sent = await MqttWire.StreamUntilClosedAsync(client, MqttWire.PublishHeader(100_000_000), 100_000_000);
                Assert.True(sent < 32_000_000, $"the hub took {sent:N0} bytes of a 100 MB publish before closing the connection");
            }
        }

        var grown = _hub.ResidentBytes() - before;
        Assert.True(grown < 64_000_000, $"the hub grew by {grown:N0} bytes");
        Assert.Equal(3, await _hub.MetricAsync("rp_hub_connections_closed_total{reason=\"packet_too_large\"}"));
        await AGoodDeviceStillWorksAsync();
    }

    [Fact]
    public async Task Mqtt5_clients_are_told_why_an_oversized_packet_is_refused()
    {
        // After login: a DISCONNECT with "packet too large" as soon as the header says 1 MB.
        var (client, code) = await MqttWire.LoginAsync(_hub.MqttPort, MqttProtocolVersion.V500, "testsite/light-1", TestRegistry.SecretOf("light-1"), "big-5");
        using (client)
        {
            Assert.Equal(0, code);
            await client.GetStream().WriteAsync(MqttWire.PublishHeader(1_000_000).Concat(new byte[64]).ToArray());
            var disconnect = await MqttWire.ReadPacketAsync(client.GetStream(), TimeSpan.FromSeconds(10));
            Assert.True(disconnect is [0xE0, _, 0x95, ..], $"got {(disconnect is null ? "no packet" : Convert.ToHexString(disconnect))} instead of a DISCONNECT for packet too large");
        }

        // Before login: a CONNACK with the same reason.
        using var stranger = await MqttWire.OpenAsync(_hub.MqttPort, Stranger);
        var connect = MqttWire.Connect(MqttProtocolVersion.V500, "testsite/light-1", new string('x', 20_000), "huge");
        await stranger.GetStream().WriteAsync(connect.AsMemory(0, 64));
        var connAck = await MqttWire.ReadPacketAsync(stranger.GetStream(), TimeSpan.FromSeconds(10));
        Assert.True(connAck is [0x20, _, _, 0x95, ..], $"got {(connAck is null ? "no packet" : Convert.ToHexString(connAck))} instead of a CONNACK for packet too large");
        Assert.Equal(2, await _hub.MetricAsync("rp_hub_connections_closed_total{reason=\"packet_too_large\"}"));
    }

    [Fact]
    public async Task An_oversized_connect_is_refused_before_any_login()
    {
        using var client = await MqttWire.OpenAsync(_hub.MqttPort, Stranger);
        var sent = await MqttWire.StreamUntilClosedAsync(client, MqttWire.ConnectHeader(50_000_000), 50_000_000);
        Assert.True(sent < 16_000_000, $"the hub took {sent:N0} bytes of a 50 MB CONNECT before closing the connection");
        Assert.Equal(1, await _hub.MetricAsync("rp_hub_connections_closed_total{reason=\"packet_too_large\"}"));
        await AGoodDeviceStillWorksAsync();
    }

    [Fact]
    public async Task A_connection_that_does_not_finish_its_connect_in_time_is_closed()
    {
        using var silent = await MqttWire.OpenAsync(_hub.MqttPort, Stranger);
        using var dribbling = await MqttWire.OpenAsync(_hub.MqttPort, Stranger);
        await dribbling.GetStream().WriteAsync(MqttWire.Connect(MqttProtocolVersion.V500, "testsite/cam-1", "x", "slow").AsMemory(0, 5));

        Assert.True(await MqttWire.ClosedByHubAsync(silent, TimeSpan.FromSeconds(6)), "a connection that sent nothing was still open after 6 s (limit 2 s)");
        Assert.True(await MqttWire.ClosedByHubAsync(dribbling, TimeSpan.FromSeconds(2)), "a half-sent CONNECT was still open after 6 s (limit 2 s)");
        Assert.True(await _hub.MetricAsync("rp_hub_connections_closed_total{reason=\"connect_timeout\"}") >= 2);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_client_without_keep_alive_is_disconnected_when_silent(MqttProtocolVersion version)
    {
        var client = await MqttWire.OpenAsync(_hub.MqttPort);
        using (client)
        {
            var stream = client.GetStream();
            await stream.WriteAsync(MqttWire.Connect(version, "testsite/cam-1", TestRegistry.SecretOf("cam-1"), $"no-keepalive-{version}", keepAlive: 0));
            var connAck = await MqttWire.ReadPacketAsync(stream, TimeSpan.FromSeconds(10));
            Assert.NotNull(connAck);
            Assert.Equal(0x20, connAck![0]);
            Assert.True(await MqttWire.ClosedByHubAsync(client, TimeSpan.FromSeconds(8)), "a client silent without keep-alive was not disconnected (limit 2 s × 1.5)");
        }
    }

    [Fact]
    public async Task Mqtt5_clients_are_told_the_limits_in_the_connack()
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", _hub.MqttPort)
            .WithClientId("testsite/cam-1")
            .WithCredentials("testsite/cam-1", TestRegistry.SecretOf("cam-1"))
            .WithKeepAlivePeriod(TimeSpan.FromMinutes(10))
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .Build());
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        Assert.Equal((ushort)2, result.ServerKeepAlive);
        Assert.Equal((ushort)8, result.ReceiveMaximum);
        Assert.Equal(65_536u, result.MaximumPacketSize);
        await client.DisconnectAsync();
    }

    [Fact]
    public async Task Connections_from_one_address_are_limited_while_others_connect()
    {
        var held = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 9; i++)
            {
                held.Add(await MqttWire.OpenAsync(_hub.MqttPort, IPAddress.Parse("127.0.0.4")));
            }

            // Connections are taken on in parallel, so which of the nine is turned away may vary; one is (and
            // well before the others' 2 s CONNECT deadline).
            var closed = await Task.WhenAll(held.Select(c => MqttWire.ClosedByHubAsync(c, TimeSpan.FromSeconds(1))));
            Assert.Equal(1, closed.Count(c => c));
            Assert.Equal(1, await _hub.MetricAsync("rp_hub_connections_closed_total{reason=\"too_many_from_address\"}"));
            await AGoodDeviceStillWorksAsync();
        }
        finally
        {
            held.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task A_device_that_floods_unacknowledged_publishes_is_disconnected()
    {
        var (client, code) = await MqttWire.LoginAsync(_hub.MqttPort, MqttProtocolVersion.V500, "testsite/chg-2", TestRegistry.SecretOf("chg-2"), "flood");
        using (client)
        {
            Assert.Equal(0, code);
            var burst = Enumerable.Range(1, 200)
                .SelectMany(i => MqttWire.Publish(MqttProtocolVersion.V500, "rp/testsite/charger/chg-2/telemetry", $$"""{"currentA":{{i}},"seq":{{i}}}""", MqttQualityOfServiceLevel.AtLeastOnce, (ushort)i))
                .ToArray();
            await client.GetStream().WriteAsync(burst);

            // PUBACKs for what was taken, then a DISCONNECT saying why (MQTT 5), then the end.
            byte[]? packet;
            var last = Array.Empty<byte>();
            while ((packet = await MqttWire.ReadPacketAsync(client.GetStream(), TimeSpan.FromSeconds(10))) is not null)
            {
                last = packet;
            }

            Assert.True(last is [0xE0, _, 0x93, ..], $"the last packet was {Convert.ToHexString(last)}, not a DISCONNECT for receive maximum exceeded");
        }

        Assert.Equal(1, await _hub.MetricAsync("rp_hub_connections_closed_total{reason=\"receive_maximum_exceeded\"}"));
        await AGoodDeviceStillWorksAsync();
    }

    private async Task AGoodDeviceStillWorksAsync()
    {
        var health = await _hub.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", _hub.MqttPort)
            .WithClientId("testsite/light-2")
            .WithCredentials("testsite/light-2", TestRegistry.SecretOf("light-2"))
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build());
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        var published = await HubHost.PublishAsync(client, "rp/testsite/light/light-2/telemetry", """{"on":true,"lux":80}""");
        Assert.True(published.IsSuccess, published.ReasonString);
        await client.DisconnectAsync();
        client.Dispose();
    }
}
