namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>Base of tests that need a real influxd and a hub writing to it (v1), fresh for each test.</summary>
public abstract class HubWithInfluxTest : IAsyncLifetime
{
    protected InfluxServer Influx { get; } = new();

    protected HubHost Hub { get; private set; } = null!;

    protected string WorkDir { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Influx.StartAsync();
        WorkDir = Directory.CreateTempSubdirectory("rp-test-").FullName;
        Hub = await HubHost.StartAsync(HubHost.InfluxV1(Influx, TestRegistry.Write(WorkDir)));
    }

    public async Task DisposeAsync()
    {
        await Hub.DisposeAsync();
        await Influx.DisposeAsync();
        Directory.Delete(WorkDir, recursive: true);
    }
}
