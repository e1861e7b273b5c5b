using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Hosting;

/// <summary>
/// At start-up, tells an operator where the host listens, what it serves and where its data is, then the route table
/// in the order it is matched (most specific first), deployed functions included, one line per route.
/// </summary>
internal static partial class StartupLog
{
    public static void Register(WebApplication app, IReadOnlyList<FunctionInstance> functions, string dataDirectory)
    {
        var routes = app.Services.GetRequiredService<FunctionRoutes>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Edge.Host");
        app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var table = routes.Table.Routes;
            var names = functions.Select(f => f.Name).Concat(table.Select(r => r.Target.Name)).Distinct(StringComparer.Ordinal);
            LogStarted(logger, string.Join(", ", addresses), string.Join(", ", names), Path.GetFullPath(dataDirectory));
            foreach (var (pattern, target) in table)
            {
                LogRoute(logger, pattern.Text, target.Name);
            }
        });
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Edge listening on {Addresses}; functions: {Functions}; data: {DataDirectory}")]
    private static partial void LogStarted(ILogger logger, string addresses, string functions, string dataDirectory);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Route {Pattern} -> {Function}")]
    private static partial void LogRoute(ILogger logger, string pattern, string function);
}
