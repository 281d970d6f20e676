using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Configuration;
using RedProperty.Iot.Hub.Journal;
using RedProperty.Iot.Hub.Metrics;

namespace RedProperty.Iot.Hub.Tests.Unit.Journal;

public sealed class JournalSetupTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("rp-journal-setup-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task AddJournal_opens_the_journal_under_the_data_directory_and_the_container_closes_it()
    {
        IngestJournal journal;
        await using (var services = Services(new() { ["Journal:SegmentBytes"] = "65536", ["Journal:MaxBytes"] = "1048576", ["Journal:CommitMaxBytes"] = "65536" }))
        {
            journal = services.GetRequiredService<IngestJournal>();
            Assert.Equal(Path.Combine(_dataDir, "journal"), journal.DirectoryPath);
            var ticket = journal.Append("hello"u8);
            Assert.True(await ticket.WaitDurableAsync());
            Assert.Single(Directory.GetFiles(Path.Combine(_dataDir, "journal"), "*.journal"));
            Assert.Contains("rp_hub_journal_records_total", await ScrapeAsync(services.GetRequiredService<HubMetrics>()));
        }

        Assert.Equal(JournalState.Closed, journal.State);
        Assert.Equal(JournalAppendOutcome.Unavailable, journal.Append("late"u8).Outcome);
    }

    [Fact]
    public async Task Bad_journal_options_stop_the_hub_with_a_message_naming_the_key()
    {
        await using var services = Services(new() { ["Journal:SegmentBytes"] = "67108864", ["Journal:MaxBytes"] = "134217728" });
        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IngestJournal>());
        Assert.Contains("Journal:MaxBytes", failure.Message);
    }

    private static async Task<string> ScrapeAsync(HubMetrics metrics)
    {
        using var stream = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private ServiceProvider Services(Dictionary<string, string?> settings)
    {
        settings["Hub:DataDir"] = _dataDir;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            .AddSingleton(new HubMetrics());
        services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section);
        services.AddJournal();
        return services.BuildServiceProvider();
    }
}
