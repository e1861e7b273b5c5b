using Edge.Host.Admin;
using Edge.Host.Configuration;
using Edge.Host.Deploy.Admin;
using Edge.Host.Deploy.Compilation;
using Edge.Host.Deploy.Versions;
using Edge.Host.Hosting;
using Edge.Host.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Deploy;

/// <summary>Registration of deployments: the live route table, the version store, the activators, the manager (a hosted
/// service: deployed functions start with the host, after the configured ones) and the deploy API.</summary>
internal static class DeploySetup
{
    public static IServiceCollection AddDeployments(this IServiceCollection services, EdgeOptions options)
    {
        services.AddSingleton(options.Deploy);
        services.AddSingleton(sp => new SourceCompiler(new SourceCompilerOptions(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SourceCompiler>>()));
        services.AddSingleton(_ => new FunctionRoutes([]));
        services.AddSingleton(sp => new VersionStore(options.DataDirectory, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IReadOnlyDictionary<FunctionIsolation, IVersionActivator>>(sp => new Dictionary<FunctionIsolation, IVersionActivator>
        {
            [FunctionIsolation.InProcess] = ActivatorFactory.InProcess(sp, options),
            [FunctionIsolation.Worker] = ActivatorFactory.Worker(sp, options),
        });
        services.AddSingleton(sp => new DeploymentManager(
            sp.GetRequiredService<VersionStore>(),
            sp.GetRequiredService<FunctionRoutes>(),
            sp.GetRequiredService<FunctionScheduler>(),
            sp.GetRequiredService<IReadOnlyDictionary<FunctionIsolation, IVersionActivator>>(),
            options.Deploy,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DeploymentManager>>()));
        services.AddHostedService(sp => sp.GetRequiredService<DeploymentManager>());
        services.AddSingleton(sp => new FunctionAdminApi(
            sp.GetRequiredService<DeploymentManager>(),
            sp.GetRequiredService<FunctionRoutes>(),
            sp.GetRequiredService<AdminAuthenticator>(),
            sp.GetRequiredService<ClientInfoResolver>(),
            options.Deploy,
            sp.GetRequiredService<ILogger<FunctionAdminApi>>()));
        return services;
    }
}
