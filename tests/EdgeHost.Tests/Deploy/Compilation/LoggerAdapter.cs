using Edge.Host.Deploy.Compilation;
using Edge.Tests.Shared;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Tests.Deploy.Compilation;

/// <summary>The compiler's typed logger, writing to a <see cref="ListLogger"/> the tests read.</summary>
internal sealed class LoggerAdapter(ListLogger inner) : ILogger<SourceCompiler>
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        inner.Log(logLevel, eventId, state, exception, formatter);
}
