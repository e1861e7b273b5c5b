using System.Reflection;
using Edge.Functions;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Deploy.Loading;

/// <summary>
/// Loads a function version into its own collectible load context and constructs its handler. Every failure is a
/// <see cref="FunctionLoadResult"/> with precise messages, logged once (event 83); nothing is thrown to the caller.
/// </summary>
/// <remarks>
/// 1. Read the bundle into memory (<see cref="BundleReader"/>): its files are closed before anything is loaded, so the
///    bundle can be deleted or replaced while the version runs.
/// 2. Check every reference the function's code reaches (<see cref="ReferenceCheck"/>): SDK major version, host
///    assemblies' versions, missing dependencies, all reported at once.
/// 3. Copy the native libraries for this machine to a directory of this version's own (native libraries cannot be
///    loaded from memory, and a loaded one stays mapped: the bundle's file must not be the one mapped).
/// 4. Create the context and load the main assembly from its bytes.
/// 5. Find the handler class and construct it (<see cref="FunctionActivator"/>).
/// A failure after step 3 unloads the context and removes the copies again.
/// </remarks>
/// <param name="nativeLibraryDirectory">Where the private copies of native libraries go, one directory per load.</param>
/// <param name="time">The clock for the load's duration in the log.</param>
/// <param name="logger">The log.</param>
internal sealed class FunctionVersionLoader(string nativeLibraryDirectory, TimeProvider time, ILogger<FunctionVersionLoader> logger)
{
    /// <summary>Loads <paramref name="bundle"/> as <paramref name="version"/>.</summary>
    /// <param name="version">The function and version; names the context, the log lines and the result.</param>
    /// <param name="bundle">Where the code is.</param>
    /// <param name="env">The environment the handler's constructor gets.</param>
    /// <param name="handlerType">The handler's full type name, or null when the main assembly has exactly one handler class.</param>
    /// <param name="cancellationToken">Cancels reading the bundle.</param>
    public async Task<FunctionLoadResult> LoadAsync(FunctionVersion version, FunctionBundle bundle, IEdgeEnv env, string? handlerType = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(version.Function);
        ArgumentException.ThrowIfNullOrEmpty(version.Version);
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(env);
        var started = time.GetTimestamp();

        // 1. Read the bundle.
        var (contents, readError, readMessage) = await BundleReader.ReadAsync(bundle, cancellationToken);
        if (contents is null)
        {
            return Refuse(version, bundle, readError, [readMessage!], [], [], null);
        }

        // 2. Check references.
        var (error, errors, warnings) = ReferenceCheck.Run(contents);
        if (error != FunctionLoadError.None)
        {
            return Refuse(version, bundle, error, errors, warnings, contents.IgnoredFiles, null);
        }

        // 3. Copy native libraries.
        string? nativeDirectory = null;
        IReadOnlyDictionary<string, string> nativeLibraries = new Dictionary<string, string>();
        if (contents.NativeLibraries.Count > 0)
        {
            try
            {
                (nativeDirectory, nativeLibraries) = CopyNativeLibraries(version, contents.NativeLibraries);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return Refuse(version, bundle, FunctionLoadError.BundleUnreadable, [$"The native libraries of the bundle could not be copied to {nativeLibraryDirectory}: {ex.Message}"], warnings, contents.IgnoredFiles, null);
            }
        }

        // 4. Context and main assembly; 5. handler.
        return LoadInContext(version, bundle, contents, nativeDirectory, nativeLibraries, env, handlerType, warnings, started);
    }

    private FunctionLoadResult LoadInContext(FunctionVersion version, FunctionBundle bundle, BundleContents contents, string? nativeDirectory, IReadOnlyDictionary<string, string> nativeLibraries, IEdgeEnv env, string? handlerType, IReadOnlyList<string> warnings, long started)
    {
        var context = new FunctionLoadContext(version, contents.PrivateAssemblies, nativeLibraries);
        Assembly main;
        try
        {
            main = context.LoadImage(contents.Main);
        }
        catch (Exception ex) when (ex is BadImageFormatException or FileLoadException)
        {
            Abandon(version, context, nativeDirectory);
            return Refuse(version, bundle, FunctionLoadError.AssemblyInvalid, [$"{contents.Main.Source} cannot be loaded: {ex.Message}"], warnings, contents.IgnoredFiles, null);
        }

        var activation = FunctionActivator.Activate(main, handlerType, env);
        if (activation.Handler is null)
        {
            Abandon(version, context, nativeDirectory);
            return Refuse(version, bundle, activation.Error, activation.Errors, warnings, contents.IgnoredFiles, activation.Exception);
        }

        var loaded = new LoadedFunctionVersion(version, context, activation.Handler, activation.HandlerType!, contents.IgnoredFiles, warnings, nativeDirectory, logger);
        FunctionLoadingLog.Loaded(logger, version.Function, version.Version, bundle.ToString(), loaded.HandlerType, contents.PrivateAssemblies.Count, nativeLibraries.Count, time.GetElapsedTime(started).TotalMilliseconds);
        if (contents.IgnoredFiles.Count > 0)
        {
            FunctionLoadingLog.IgnoredFiles(logger, version.Function, version.Version, string.Join(", ", contents.IgnoredFiles));
        }

        foreach (var warning in warnings)
        {
            FunctionLoadingLog.LoadWarning(logger, version.Function, version.Version, warning);
        }

        return FunctionLoadResult.Loaded(loaded);
    }

    private (string Directory, IReadOnlyDictionary<string, string> Copies) CopyNativeLibraries(FunctionVersion version, IReadOnlyDictionary<string, string> sources)
    {
        // A directory per load, not per version: a version loaded again (after a failed unload, or in a second host
        // process sharing the data directory) must not map or overwrite the files of the first load.
        var directory = Path.Join(Path.GetFullPath(nativeLibraryDirectory), $"{Safe(version.Function)}@{Safe(version.Version)}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var copies = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (file, source) in sources)
        {
            var target = Path.Join(directory, file);
            File.Copy(source, target);
            copies[file] = target;
        }

        return (directory, copies);
    }

    private void Abandon(FunctionVersion version, FunctionLoadContext context, string? nativeDirectory)
    {
        // Not verified: a version that never ran a request has nothing of the host's to hold it. What its constructor
        // may have started is the same risk as for any version, and is reported when a loaded version is unloaded.
        context.Unload();
        if (nativeDirectory is not null)
        {
            try
            {
                Directory.Delete(nativeDirectory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                FunctionLoadingLog.NativeCleanupFailed(logger, version.Function, version.Version, nativeDirectory, ex);
            }
        }
    }

    private FunctionLoadResult Refuse(FunctionVersion version, FunctionBundle bundle, FunctionLoadError error, IReadOnlyList<string> errors, IReadOnlyList<string> warnings, IReadOnlyList<string> ignoredFiles, Exception? exception)
    {
        FunctionLoadingLog.Refused(logger, version.Function, version.Version, bundle.ToString(), error, string.Join(" ", errors), exception);
        return FunctionLoadResult.Failed(version, error, errors, warnings, ignoredFiles);
    }

    private static string Safe(string name)
    {
        var invalid = Path.GetInvalidFileNameChars();
        return string.Concat(name.Select(c => invalid.Contains(c) || c == '\\' ? '_' : c));
    }
}
