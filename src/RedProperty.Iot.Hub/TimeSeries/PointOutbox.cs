using RedProperty.Iot.Hub.Journal;
using RedProperty.Iot.Hub.Metrics;

namespace RedProperty.Iot.Hub.TimeSeries;

/// <summary>
/// Points the hub makes itself (alert transitions) go through the ingest journal like device readings, so
/// the shipper is the one way into InfluxDB. Not waited for: the alert they describe is already stored.
/// </summary>
public sealed class PointOutbox(IngestJournal journal, HubMetrics metrics)
{
    public void Add(string line, DateTimeOffset at)
    {
        var ticket = journal.Append(IngestRecord.Point(at.ToUnixTimeMilliseconds(), line));
        if (ticket.Outcome != JournalAppendOutcome.Appended)
        {
            metrics.PointsDropped.WithLabels("journal_refused").Inc();
        }
    }
}
