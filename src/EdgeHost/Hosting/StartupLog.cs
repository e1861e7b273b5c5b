using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Hosting;

/// <summary>One line at start-up that tells an operator where the host listens, what it serves and where its data is.</summary>
internal static partial class StartupLog
{
    public static void Register(WebApplication app, IReadOnlyList<FunctionInstance> functions, string dataDirectory)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Edge.Host");
        app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            LogStarted(logger, string.Join(", ", addresses), string.Join(", ", functions.Select(f => f.Name)), Path.GetFullPath(dataDirectory));
        });
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Edge listening on {Addresses}; functions: {Functions}; data: {DataDirectory}")]
    private static partial void LogStarted(ILogger logger, string addresses, string functions, string dataDirectory);
}
