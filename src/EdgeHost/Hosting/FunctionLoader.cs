using System.Diagnostics.Metrics;
using Edge.Functions;
using Edge.Host.Configuration;
using Edge.Host.Scheduling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Hosting;

/// <summary>
/// Turns the <c>Functions</c> section into running handlers and a route table, collecting every problem
/// (unknown handler, bad route, missing binding, the handler's own configuration errors) before failing.
/// </summary>
internal sealed class FunctionLoader(
    IConfiguration configuration,
    EdgeOptions options,
    BindingProvider bindings,
    HttpMessageInvoker http,
    ProxiedInvokers proxied,
    TimeProvider time,
    ILoggerFactory loggerFactory,
    IMeterFactory meters,
    IReadOnlyDictionary<string, Func<IEdgeEnv, IFetchHandler>> handlers)
{
    public (IReadOnlyList<(RoutePattern Pattern, IRouteTarget Target)> Routes, IReadOnlyList<FunctionInstance> Functions, IReadOnlyList<string> Errors) Load()
    {
        var errors = new List<string>();
        var routes = new List<(RoutePattern Pattern, IRouteTarget Target)>();
        var functions = new List<FunctionInstance>();
        foreach (var section in configuration.GetSection(FunctionOptions.SectionName).GetChildren())
        {
            var name = section.Key;
            var function = new FunctionOptions();
            try
            {
                section.Bind(function);
            }
            catch (InvalidOperationException ex)
            {
                errors.Add($"Functions:{name}: {ex.Message}");
                continue;
            }

            if (!function.Enabled)
            {
                continue;
            }

            var instance = Create(name, function, errors);
            if (instance is null)
            {
                continue;
            }

            functions.Add(instance);
            if (function.Routes.Count == 0 && function.Schedules.Count == 0)
            {
                errors.Add($"Functions:{name}:Routes is empty: the function would never receive a request.");
            }

            foreach (var text in function.Routes)
            {
                if (RoutePattern.TryParse(text, out var pattern, out var error))
                {
                    routes.Add((pattern!, instance));
                }
                else
                {
                    errors.Add($"Functions:{name}:Routes: {error}.");
                }
            }
        }

        return (routes, functions, errors);
    }

    private FunctionInstance? Create(string name, FunctionOptions function, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(function.Handler))
        {
            errors.Add($"Functions:{name}:Handler is required (for example builtin:registry-proxy).");
            return null;
        }

        if (!BuiltinHandlers.TryGet(handlers, function.Handler, out var factory))
        {
            errors.Add($"Functions:{name}:Handler '{function.Handler}' is unknown; built-in handlers are: {string.Join(", ", handlers.Keys.Order(StringComparer.Ordinal).Select(n => "builtin:" + n))}.");
            return null;
        }

        var buckets = new Dictionary<string, IObjectBucket>(StringComparer.Ordinal);
        foreach (var (binding, bucketName) in function.Buckets)
        {
            if (bindings.TryGetBucket(bucketName, out var bucket, out var error))
            {
                buckets[binding] = bucket!;
            }
            else
            {
                errors.Add($"Functions:{name}:Buckets:{binding}: {error}");
            }
        }

        var keyValue = new Dictionary<string, IKeyValueStore>(StringComparer.Ordinal);
        foreach (var (binding, ns) in function.KeyValue)
        {
            keyValue[binding] = bindings.GetKeyValue(ns);
        }

        var scratch = Path.Combine(Path.GetFullPath(options.DataDirectory), "scratch", name);
        if (Directory.Exists(scratch))
        {
            Directory.Delete(scratch, recursive: true);
        }

        Directory.CreateDirectory(scratch);
        var vars = configuration.GetSection(function.VarsFrom ?? $"{FunctionOptions.SectionName}:{name}:Vars");
        var env = new EdgeEnv(name, vars, new ConfigurationSecretStore(function.Secrets), keyValue, buckets, http, proxied, time, loggerFactory, meters, scratch);
        try
        {
            var handler = factory!(env);
            return new FunctionInstance(name, handler, env, function.Timeout) { Schedules = Schedules(name, function, handler, errors) };
        }
        catch (FunctionConfigurationException ex)
        {
            foreach (var error in ex.Errors)
            {
                errors.Add($"{function.VarsFrom ?? $"Functions:{name}:Vars"}: {error}");
            }

            return null;
        }
    }

    private static List<FunctionSchedule> Schedules(string name, FunctionOptions function, IFetchHandler handler, List<string> errors)
    {
        var schedules = new List<FunctionSchedule>();
        if (function.Schedules.Count > 0 && handler is not IScheduledHandler)
        {
            errors.Add($"Functions:{name}:Schedules: the handler '{function.Handler}' has no scheduled handler (IScheduledHandler), so it cannot run on a schedule.");
            return schedules;
        }

        for (var i = 0; i < function.Schedules.Count; i++)
        {
            if (FunctionSchedule.TryCreate(function.Schedules[i], out var error) is { } schedule)
            {
                schedules.Add(schedule);
            }
            else
            {
                errors.Add($"Functions:{name}:Schedules:{i}: {error}");
            }
        }

        return schedules;
    }
}
