using Microsoft.Extensions.Logging;
using RedProperty.Iot.Hub.Journal;

namespace RedProperty.Iot.Hub.Tests.Unit.Journal;

/// <summary>What the journal logged, for tests that must tell one recovery from another.</summary>
internal sealed class JournalLog : ILogger<IngestJournal>
{
    private readonly List<(LogLevel Level, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries)
        {
            _entries.Add((logLevel, formatter(state, exception)));
        }
    }
}
