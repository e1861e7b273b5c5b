using Edge.Functions;
using Edge.Host.Deploy.Compilation;
using Edge.Host.Deploy.Loading;
using Edge.Host.Deploy.Versions;
using Edge.Host.Hosting;
using Edge.Host.Scheduling;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Deploy;

/// <summary>
/// Runs versions inside the host, each in a collectible load context of its own (<see cref="FunctionVersionLoader"/>).
/// A source file is compiled once, when the version is made (<see cref="SourceCompiler"/>), and its assembly and
/// symbols are stored with it as <c>function.dll</c>/<c>function.pdb</c>, so a restart loads without compiling.
/// Retiring a version runs its stop hook, disposes it, then unloads its context and reports whether it left memory.
/// </summary>
internal sealed partial class InProcessActivator(
    SourceCompiler compiler,
    FunctionVersionLoader loader,
    DeployedEnvironments environments,
    ILogger<InProcessActivator> logger) : IVersionActivator
{
    private const string CompiledAssembly = "function.dll";
    private const string CompiledSymbols = "function.pdb";

    public async Task<IReadOnlyList<string>> PrepareAsync(CodeKind kind, string codeDirectory, FunctionManifest manifest, CancellationToken cancellationToken)
    {
        if (kind == CodeKind.Bundle)
        {
            return MainAssembly(codeDirectory, out var error) is null ? [error!] : [];
        }

        var sources = Directory.GetFiles(codeDirectory, "*.cs");
        if (sources.Length != 1)
        {
            return [$"A source deploy holds exactly one .cs file; found {sources.Length}."];
        }

        SourceCompileResult result;
        await using (var source = File.OpenRead(sources[0]))
        {
            result = await compiler.CompileAsync(Path.GetFileName(sources[0]), source, manifest.Handler, cancellationToken);
        }

        if (!result.Succeeded || result.Function is not { } compiled)
        {
            return [.. result.Errors.Select(e => e.ToString())];
        }

        await File.WriteAllBytesAsync(Path.Combine(codeDirectory, CompiledAssembly), compiled.Image, cancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(codeDirectory, CompiledSymbols), compiled.Pdb, cancellationToken);
        return [];
    }

    public async Task<Activation> ActivateAsync(Versions.FunctionVersion version, string codeDirectory, IReadOnlyDictionary<string, string> secrets, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var env = environments.Create(version, secrets, errors);
        if (env is null)
        {
            return new Activation(null, null, errors);
        }

        FunctionBundle bundle;
        if (version.Code == CodeKind.Source)
        {
            bundle = FunctionBundle.FromImage(
                await File.ReadAllBytesAsync(Path.Combine(codeDirectory, CompiledAssembly), cancellationToken),
                await File.ReadAllBytesAsync(Path.Combine(codeDirectory, CompiledSymbols), cancellationToken));
        }
        else if (MainAssembly(codeDirectory, out var error) is { } main)
        {
            bundle = FunctionBundle.FromDirectory(codeDirectory, main);
        }
        else
        {
            return Activation.Failed(error!);
        }

        var loaded = await loader.LoadAsync(new Loading.FunctionVersion(version.Function, version.Id), bundle, env, version.Manifest.Handler, cancellationToken);
        if (loaded.Function is not { } function)
        {
            return new Activation(null, null, loaded.Errors);
        }

        var handler = function.Handler;
        if (handler is IFunctionLifecycle lifecycle)
        {
            try
            {
                await lifecycle.StartAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogStartFailed(logger, version.Function, version.Id, ex);
                await DisposeAsync(handler, version);
                await function.UnloadAsync();
                return ex is FunctionConfigurationException configuration
                    ? new Activation(null, null, configuration.Errors)
                    : Activation.Failed($"{version.Id} failed to start: {ex.GetType().Name}: {ex.Message}");
            }
        }

        var schedules = new List<FunctionSchedule>();
        foreach (var schedule in version.Manifest.Schedules)
        {
            if (FunctionSchedule.TryCreate(new Configuration.ScheduleOptions { Cron = schedule.Cron, TimeZone = schedule.TimeZone }, out _) is { } parsed)
            {
                schedules.Add(parsed);
            }
        }

        if (schedules.Count > 0 && handler is not IScheduledHandler)
        {
            await RetireAsync(handler, function, version, CancellationToken.None);
            await function.UnloadAsync();
            return Activation.Failed($"The manifest has schedules, but {function.HandlerType} does not implement IScheduledHandler.");
        }

        var instance = new FunctionInstance(version.Function, handler, env, version.Manifest.Timeout) { Version = version.Id, Schedules = schedules };
        var holder = new LoadedHandler(handler, function);
        return new Activation(instance, ct => RetireAsync(holder, version, ct), []);
    }

    /// <summary>The main assembly of a bundle: the one its <c>NAME.deps.json</c> names.</summary>
    private static string? MainAssembly(string directory, out string? error)
    {
        var deps = Directory.GetFiles(directory, "*.deps.json");
        if (deps.Length != 1)
        {
            error = $"A bundle is the output of dotnet publish of one function project: expected one *.deps.json at its top, found {deps.Length}.";
            return null;
        }

        var main = Path.GetFileName(deps[0])[..^".deps.json".Length] + ".dll";
        if (!File.Exists(Path.Combine(directory, main)))
        {
            error = $"The bundle has {Path.GetFileName(deps[0])} but no {main}.";
            return null;
        }

        error = null;
        return main;
    }

    private async Task RetireAsync(LoadedHandler loaded, Versions.FunctionVersion version, CancellationToken cancellationToken)
    {
        // Take the handler out of the holder the retire delegate captures, and drop our own reference before the unload
        // is checked (an async method keeps its locals alive in its state machine until they are overwritten).
        var (handler, function) = loaded.Take();
        if (handler is null || function is null)
        {
            return;
        }

        await RetireAsync(handler, function, version, cancellationToken);
        handler = null;
        await function.UnloadAsync();
    }

    private async Task RetireAsync(IFetchHandler handler, LoadedFunctionVersion function, Versions.FunctionVersion version, CancellationToken cancellationToken)
    {
        if (handler is IFunctionLifecycle lifecycle)
        {
            try
            {
                await lifecycle.StopAsync(cancellationToken);
            }
            catch (Exception ex)
            {
                LogStopFailed(logger, version.Function, version.Id, ex);
            }
        }

        await DisposeAsync(handler, version);
    }

    private async Task DisposeAsync(IFetchHandler handler, Versions.FunctionVersion version)
    {
        try
        {
            if (handler is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync();
            }
            else if (handler is IDisposable disposable)
            {
                disposable.Dispose();
            }
        }
        catch (Exception ex)
        {
            LogStopFailed(logger, version.Function, version.Id, ex);
        }
    }

    [LoggerMessage(EventId = 77, Level = LogLevel.Error, Message = "Function {Function} {Version}: its start hook failed")]
    private static partial void LogStartFailed(ILogger logger, string function, string version, Exception exception);

    [LoggerMessage(EventId = 78, Level = LogLevel.Error, Message = "Function {Function} {Version}: its stop hook or dispose failed")]
    private static partial void LogStopFailed(ILogger logger, string function, string version, Exception exception);

    /// <summary>A running version's handler and load context, handed over once to its retirement.</summary>
    private sealed class LoadedHandler(IFetchHandler handler, LoadedFunctionVersion function)
    {
        private IFetchHandler? _handler = handler;
        private LoadedFunctionVersion? _function = function;

        public (IFetchHandler? Handler, LoadedFunctionVersion? Function) Take()
        {
            var taken = (_handler, _function);
            _handler = null;
            _function = null;
            return taken;
        }
    }
}
