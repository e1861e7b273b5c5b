using Edge.Host.Configuration;

namespace Edge.Host.Deploy;

/// <summary>The activator of each isolation mode.</summary>
internal static class ActivatorFactory
{
    public static IVersionActivator InProcess(IServiceProvider services, EdgeOptions options) =>
        new UnavailableActivator("in-process isolation is not available in this build yet.");

    public static IVersionActivator Worker(IServiceProvider services, EdgeOptions options) =>
        new UnavailableActivator("worker isolation (a worker process per version) is not available in this build yet; deploy trusted code with --isolation in-process.");
}
