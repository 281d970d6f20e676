using Microsoft.Extensions.Diagnostics.HealthChecks;
using RedProperty.Iot.Hub.Journal;

namespace RedProperty.Iot.Hub.Operations;

/// <summary>
/// The ingest journal: degraded when it refuses appends (full: which consumer holds it; unavailable: the disk's
/// error) or is over 80 % of Journal:MaxBytes; each consumer's position and lag in the data.
/// </summary>
public sealed class JournalHealthCheck(IngestJournal journal) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var readers = journal.Readers;
        var bytes = journal.Bytes;
        var data = new Dictionary<string, object>
        {
            ["bytes"] = bytes,
            ["maxBytes"] = journal.MaxBytes,
            ["segments"] = journal.Segments,
            ["durableSequence"] = journal.DurableSequence,
            ["consumers"] = readers.ToDictionary(
                r => r.Consumer,
                r => (object)new Dictionary<string, object>
                {
                    ["position"] = r.Position,
                    ["lagRecords"] = r.Lag,
                    ["lagSeconds"] = Math.Round(r.LagTime.TotalSeconds, 3),
                    ["droppedRecords"] = r.DroppedRecords,
                }),
        };
        var state = journal.State;
        var problem = journal.Problem;
        if (state is JournalState.Full or JournalState.Unavailable or JournalState.Closed)
        {
            data["problem"] = problem ?? state.ToString();
            var what = state == JournalState.Full ? "the journal is full" : "the journal is unavailable";
            return Task.FromResult(HealthCheckResult.Degraded($"{what}, devices are not acknowledged: {problem}", data: data));
        }

        if (bytes > journal.MaxBytes * 0.8)
        {
            var oldest = readers.MinBy(r => r.Position);
            var holder = oldest is null ? "no consumer reads it" : $"consumer '{oldest.Consumer}' is furthest behind ({oldest.Lag} records)";
            return Task.FromResult(HealthCheckResult.Degraded($"the journal is over 80% of Journal:MaxBytes; {holder}", data: data));
        }

        return Task.FromResult(HealthCheckResult.Healthy("the journal takes appends", data));
    }
}
