using System.Diagnostics.Metrics;
using Edge.Host.Configuration;
using Edge.Host.Deploy.Compilation;
using Edge.Host.Deploy.Loading;
using Edge.Host.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Deploy;

/// <summary>The activator of each isolation mode.</summary>
internal static class ActivatorFactory
{
    public static IVersionActivator InProcess(IServiceProvider services, EdgeOptions options)
    {
        var time = services.GetRequiredService<TimeProvider>();
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var compiler = services.GetRequiredService<SourceCompiler>();
        var loader = new FunctionVersionLoader(Path.Combine(Path.GetFullPath(options.DataDirectory), "native"), time, loggers.CreateLogger<FunctionVersionLoader>());
        var environments = new DeployedEnvironments(
            options.DataDirectory,
            services.GetRequiredService<BindingProvider>(),
            services.GetRequiredService<HttpMessageInvoker>(),
            services.GetRequiredService<ProxiedInvokers>(),
            time,
            loggers,
            services.GetRequiredService<IMeterFactory>());
        return new InProcessActivator(compiler, loader, environments, loggers.CreateLogger<InProcessActivator>());
    }

    public static IVersionActivator Worker(IServiceProvider services, EdgeOptions options) =>
        new UnavailableActivator("worker isolation (a worker process per version) is not available in this build yet; deploy trusted code with --isolation in-process.");
}
