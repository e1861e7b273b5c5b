using System.Reflection;
using System.Runtime.CompilerServices;
using Edge.Functions;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Deploy.Loading;

/// <summary>
/// A function version loaded into its own collectible context, with its constructed handler; the host's one reference
/// to both until <see cref="UnloadAsync"/>.
/// </summary>
/// <remarks>
/// <para>
/// Retiring a version, in order: stop routing to it and let its requests drain; let its <c>WaitUntil</c> work end;
/// <c>IFunctionLifecycle.StopAsync</c>, then dispose the handler; drop every other reference the host holds to the
/// handler or its results (route tables, schedules); then <see cref="UnloadAsync"/>. This type owns only the last step.
/// </para>
/// <para>
/// What unloading cannot undo, and what keeps a version in memory (reported, never thrown): a static event or callback
/// of the host or the framework the function subscribed to; a thread it started that still runs; a timer it did not
/// dispose; a task still running or waiting; a <c>Meter</c>, <c>ActivitySource</c> or <c>EventSource</c> it created and
/// did not dispose; a GC handle it allocated; a framework cache <see cref="FrameworkCaches"/> does not clear. Native
/// libraries it loaded stay mapped until the process exits, as the runtime never unloads them.
/// </para>
/// </remarks>
internal sealed class LoadedFunctionVersion
{
    /// <summary>
    /// Full collections the unload check runs at most. A context needs two or three after <c>Unload</c> (one to find it
    /// unreachable, its finalizers, one to free it); more than ten means something holds it.
    /// </summary>
    private const int MaxCollections = 10;

    private readonly Lock _gate = new();
    private readonly ILogger _logger;
    private readonly string? _nativeDirectory;
    private FunctionLoadContext? _context;
    private IFetchHandler? _handler;
    private Task<FunctionUnloadResult>? _unload;

    public LoadedFunctionVersion(FunctionVersion version, FunctionLoadContext context, IFetchHandler handler, string handlerType, IReadOnlyList<string> ignoredFiles, IReadOnlyList<string> warnings, string? nativeDirectory, ILogger logger)
    {
        Version = version;
        _context = context;
        _handler = handler;
        HandlerType = handlerType;
        IgnoredFiles = ignoredFiles;
        Warnings = warnings;
        _nativeDirectory = nativeDirectory;
        _logger = logger;
    }

    /// <summary>Which version.</summary>
    public FunctionVersion Version { get; }

    /// <summary>The handler's full type name (a name, not a <see cref="Type"/>, so that keeping it keeps nothing loaded).</summary>
    public string HandlerType { get; }

    /// <summary>Bundle files not loaded because the host has the assembly.</summary>
    public IReadOnlyList<string> IgnoredFiles { get; }

    /// <summary>What loaded but may fail later.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The handler.</summary>
    /// <exception cref="InvalidOperationException">The version is being unloaded.</exception>
    public IFetchHandler Handler => _handler ?? throw new InvalidOperationException($"Function {Version.Function} version {Version.Version} has been unloaded.");

    /// <summary>
    /// Drops this object's references to the handler and the context, clears the framework's per-type caches of the
    /// function's types, unloads the context, and checks with a bounded number of full garbage collections that it
    /// left memory. Never throws for a version that stays loaded: the result says so, and it is logged (event 86).
    /// Calling it again returns the first call's result.
    /// </summary>
    public Task<FunctionUnloadResult> UnloadAsync()
    {
        lock (_gate)
        {
            if (_unload is null)
            {
                var (context, assemblies) = Release();
                _unload = Task.Run(() => Verify(context, assemblies));
            }

            return _unload;
        }
    }

    /// <summary>Everything that touches the context strongly, in a frame of its own so that no local of the caller keeps
    /// it alive while the check runs.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private (WeakReference Context, List<(string Name, WeakReference Assembly)> Assemblies) Release()
    {
        var context = _context!;
        _context = null;
        _handler = null;

        var assemblies = context.Assemblies.ToList();
        FrameworkCaches.Clear(
            assemblies.SelectMany(TypesOf).ToArray(),
            (handler, ex) => FunctionLoadingLog.CacheClearFailed(_logger, handler, Version.Function, Version.Version, ex));
        var weak = (new WeakReference(context), assemblies.Select(a => (a.GetName().Name ?? a.FullName ?? "?", new WeakReference(a))).ToList());
        context.Unload();
        return weak;
    }

    private FunctionUnloadResult Verify(WeakReference context, List<(string Name, WeakReference Assembly)> assemblies)
    {
        var collections = 0;
        while (context.IsAlive && collections < MaxCollections)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            collections++;
        }

        var unloaded = !context.IsAlive;
        var stillLoaded = assemblies.Where(a => a.Assembly.IsAlive).Select(a => a.Name).ToList();
        if (unloaded)
        {
            FunctionLoadingLog.Unloaded(_logger, Version.Function, Version.Version, collections);
            DeleteNativeCopies();
        }
        else
        {
            FunctionLoadingLog.NotUnloaded(_logger, Version.Function, Version.Version, collections, string.Join(", ", stillLoaded));
        }

        return new FunctionUnloadResult(Version, context, unloaded, collections, stillLoaded);
    }

    private void DeleteNativeCopies()
    {
        if (_nativeDirectory is null)
        {
            return;
        }

        try
        {
            // The libraries stay mapped (the runtime never unloads them); on Linux and macOS their files can go anyway.
            Directory.Delete(_nativeDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            FunctionLoadingLog.NativeCleanupFailed(_logger, Version.Function, Version.Version, _nativeDirectory, ex);
        }
    }

    private static IEnumerable<Type> TypesOf(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            return ex.Types.OfType<Type>();
        }
    }
}
