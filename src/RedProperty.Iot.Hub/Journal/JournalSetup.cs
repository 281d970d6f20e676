using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Configuration;
using RedProperty.Iot.Hub.Metrics;

namespace RedProperty.Iot.Hub.Journal;

public static class JournalSetup
{
    /// <summary>
    /// The ingest journal (<c>Journal:*</c>) and its metrics. The journal is opened — and recovered: torn tail cut,
    /// numbering continued — when it is first resolved; the container disposes it (its last group commit) at stop.
    /// </summary>
    public static IServiceCollection AddJournal(this IServiceCollection services)
    {
        services.AddCheckedOptions<JournalOptions, JournalOptionsValidator>(JournalOptions.Section);
        services.AddSingleton(sp => new JournalMetrics(sp.GetRequiredService<HubMetrics>()));
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<JournalOptions>>().Value;
            var directory = options.Directory ?? Path.Combine(sp.GetRequiredService<IOptions<HubOptions>>().Value.DataDir, "journal");
            return IngestJournal.Open(
                options,
                directory,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<JournalMetrics>(),
                sp.GetRequiredService<ILogger<IngestJournal>>());
        });
        return services;
    }
}
