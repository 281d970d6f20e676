namespace RedProperty.Iot.Hub.Tests.Deployment;

/// <summary>
/// <c>deploy/run-demo.sh</c> started as a background job of a script (its own session, SIGINT ignored
/// on entry, as bash gives background jobs), on free ports with its state in a temporary folder, then
/// stopped by a signal: the script, the hub, the simulator and InfluxDB must all be gone.
/// </summary>
[Collection("heavy")]
public sealed class DemoScriptTests
{
    [Fact]
    public async Task Sigterm_to_the_demo_stops_it_and_every_process_it_started()
    {
        await using var demo = await DemoRun.StartAsync();

        await demo.SignalScriptAsync("TERM");

        await demo.AssertNothingLeftAsync();
    }

    [Fact]
    public async Task Sigint_to_the_demo_running_as_a_background_job_stops_it_and_every_process_it_started()
    {
        await using var demo = await DemoRun.StartAsync();

        await demo.SignalScriptAsync("INT");

        await demo.AssertNothingLeftAsync();
    }
}
