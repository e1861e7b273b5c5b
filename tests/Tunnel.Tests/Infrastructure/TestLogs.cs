using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Edge.Tunnel.Tests.Infrastructure;

/// <summary>Captures every log line of a host (category, event id, formatted message, exception).</summary>
internal sealed class TestLogs : ILoggerProvider
{
    private static readonly bool s_echo = Environment.GetEnvironmentVariable("EDGE_TUNNEL_TEST_LOGS") == "1";

    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(TestLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{logLevel} {category}[{eventId.Id}] {formatter(state, exception)} {exception}";
            owner.Lines.Enqueue(line);
            if (s_echo)
            {
                File.AppendAllText("/tmp/tunnel-test.log", $"{DateTime.UtcNow:HH:mm:ss.fff} {line}\n");
            }
        }
    }
}
