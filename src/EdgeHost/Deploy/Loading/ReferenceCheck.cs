namespace Edge.Host.Deploy.Loading;

/// <summary>
/// Checks, before anything is loaded, that every assembly the function's code reaches can be bound: to the host's copy
/// (no newer major version than the host has; the SDK's major version decides whether the function can run here at
/// all) or to a private assembly of the bundle. Reports every problem at once.
/// </summary>
internal static class ReferenceCheck
{
    public static (FunctionLoadError Error, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings) Run(BundleContents contents)
    {
        var error = FunctionLoadError.None;
        var errors = new List<string>();
        var warnings = new List<string>();
        void Fail(FunctionLoadError kind, string message)
        {
            // The first kind found in this order is the one reported: an SDK from the future explains everything after it.
            error = error == FunctionLoadError.None || kind < error ? kind : error;
            errors.Add(message);
        }

        var main = contents.Main;
        if (HostAssemblies.VersionOf(main.SimpleName) is not null)
        {
            Fail(FunctionLoadError.AssemblyInvalid, $"The function's assembly is named {main.SimpleName}, like an assembly of the host: rename it (AssemblyName in the function's project).");
            return (error, errors, warnings);
        }

        // Breadth-first from the main assembly through private assemblies: what the function cannot reach is never loaded.
        var visited = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { main.SimpleName };
        var missing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var queue = new Queue<AssemblyImage>([main]);
        while (queue.TryDequeue(out var image))
        {
            foreach (var reference in image.References)
            {
                var name = reference.Name!;
                var wanted = reference.Version ?? new Version(0, 0);
                if (HostAssemblies.VersionOf(name) is { } host)
                {
                    CheckHostVersion(image, name, wanted, host, Fail, warnings);
                }
                else if (contents.PrivateAssemblies.TryGetValue(name, out var dependency))
                {
                    if (visited.Add(name))
                    {
                        queue.Enqueue(dependency);
                    }
                }
                else if (missing.Add(name))
                {
                    Fail(FunctionLoadError.DependencyMissing, contents.UnreadableAssemblies.TryGetValue(name, out var why)
                        ? $"{image.Source} references {name} {wanted}, and the bundle's {name}.dll cannot be loaded: {why}"
                        : $"{image.Source} references {name} {wanted}, which is neither in the bundle nor in the host: ship it beside the main assembly (dotnet publish does).");
                }
            }
        }

        return (error, errors, warnings);
    }

    private static void CheckHostVersion(AssemblyImage image, string name, Version wanted, Version host, Action<FunctionLoadError, string> fail, List<string> warnings)
    {
        var sdk = string.Equals(name, HostAssemblies.SdkName, StringComparison.OrdinalIgnoreCase);
        if (wanted.Major > host.Major)
        {
            fail(sdk ? FunctionLoadError.SdkTooNew : FunctionLoadError.HostAssemblyTooOld, sdk
                ? $"{image.Source} is built against Edge.Functions {wanted}; this host has Edge.Functions {host} and runs functions built against SDK {host.Major}.x: build against Edge.Functions {host.Major}.x, or deploy to a host with SDK {wanted.Major}."
                : $"{image.Source} references {name} {wanted}, but the host has {name} {host}: a function always uses the host's copy of an assembly the host has, so build it against that version (the host runs .NET {Environment.Version.Major}).");
        }
        else if (wanted > host)
        {
            // Same major: additions only. Code that calls nothing newer runs; what does call a newer member fails then.
            warnings.Add(sdk
                ? $"{image.Source} is built against Edge.Functions {wanted}, newer than the host's {host}: it runs, but members added after {host.Major}.{host.Minor} fail when called (MissingMethodException)."
                : $"{image.Source} references {name} {wanted}, newer than the host's {host}: it binds to the host's copy, and members added since fail when called.");
        }
    }
}
