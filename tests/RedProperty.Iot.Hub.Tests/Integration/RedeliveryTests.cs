using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// A device that lost a PUBACK sends the message again with the DUP flag and the same seq: the hub
/// acknowledges it again, but the rules judge it once — a count-based rule (three dark readings make a
/// broken light) must not count it twice.
/// </summary>
public sealed class RedeliveryTests : IAsyncLifetime
{
    private string _workDir = null!;

    public Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-redelivery-").FullName;
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_workDir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_redelivered_dark_reading_does_not_advance_the_broken_light_streak_twice()
    {
        // Midnight in Changsha: lamps that are on are judged.
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.FromHours(8)));
        await using var hub = await HubHost.StartAsync(
            new Dictionary<string, string?> { ["Hub:Registry"] = TestRegistry.Write(_workDir), ["Influx:Version"] = "none" },
            _workDir,
            builder => builder.Services.AddSingleton<TimeProvider>(clock));
        using var lamp = await hub.ConnectDeviceAsync("light-2");
        using var lift = await hub.ConnectDeviceAsync("lift-1");
        const string topic = $"rp/{TestRegistry.Site}/light/light-2/telemetry";

        await PublishAsync(lamp, topic, """{"on":true,"lux":0.5,"seq":1}""", clock);
        await PublishAsync(lamp, topic, """{"on":true,"lux":0.5,"seq":2}""", clock);
        await PublishAsync(lamp, topic, """{"on":true,"lux":0.5,"seq":2}""", clock, redelivery: true);

        // An alarm after the redelivery: once its alert exists, everything before it has been judged.
        await HubHost.PublishAsync(lift, $"rp/{TestRegistry.Site}/elevator/lift-1/event", """{"type":"alarm_button","seq":1}""");
        await Eventually.BecomesAsync(() => hub.GetJsonAsync("/api/alerts?type=elevator_entrapment"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(10), "the marker alarm");
        Assert.Equal(0, (await hub.GetJsonAsync("/api/alerts?type=broken_light")).GetArrayLength());

        // The third dark reading makes the streak.
        await PublishAsync(lamp, topic, """{"on":true,"lux":0.5,"seq":3}""", clock);
        var broken = await Eventually.BecomesAsync(() => hub.GetJsonAsync("/api/alerts?type=broken_light"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(10), "the broken light");
        Assert.Equal(1, broken[0].GetProperty("count").GetInt32());
    }

    private static async Task PublishAsync(IMqttClient client, string topic, string payload, FakeTimeProvider clock, bool redelivery = false)
    {
        clock.Advance(TimeSpan.FromSeconds(2));
        var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        message.Dup = redelivery;
        var result = await client.PublishAsync(message);
        Assert.True(result.IsSuccess, $"PUBACK {result.ReasonCode}");
    }
}
