using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Tests.Deploy.Loading;

/// <summary>Keeps every log entry, with its exception, for assertions on what the loader logs and what it does not say
/// in its errors (stack traces).</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider, ILogger
{
    public ConcurrentQueue<(LogLevel Level, int EventId, string Message, Exception? Exception)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, eventId.Id, formatter(state, exception), exception));

    public IReadOnlyList<(LogLevel Level, int EventId, string Message, Exception? Exception)> With(int eventId) =>
        Entries.Where(e => e.EventId == eventId).ToList();

    public void Dispose()
    {
    }
}
