using Edge.Host.Deploy.Versions;
using Edge.Host.Hosting;

namespace Edge.Host.Deploy;

/// <summary>
/// Turns a version's code into a running function instance, for one isolation mode: in-process (a collectible
/// AssemblyLoadContext) or a worker process.
/// </summary>
internal interface IVersionActivator
{
    /// <summary>
    /// Checks and completes code about to become a version, in its staging directory: compiles a single source file
    /// (its errors as the compiler prints them), or checks that a bundle holds a loadable handler. Returns the problems;
    /// none means the version can be made.
    /// </summary>
    Task<IReadOnlyList<string>> PrepareAsync(CodeKind kind, string codeDirectory, FunctionManifest manifest, CancellationToken cancellationToken);

    /// <summary>
    /// Starts <paramref name="version"/>: loads its code, constructs its handler with its environment and runs its start
    /// hook. On failure nothing is left running and the errors say why.
    /// </summary>
    Task<Activation> ActivateAsync(FunctionVersion version, string codeDirectory, IReadOnlyDictionary<string, string> secrets, CancellationToken cancellationToken);
}

/// <summary>A started version (<see cref="Instance"/> and how to retire it) or why it could not start.</summary>
/// <param name="Instance">The running instance; null on failure.</param>
/// <param name="Retire">Stops the instance after its requests drained (stop hook, dispose, unload or stop the worker).</param>
/// <param name="Errors">Why it could not start; empty on success.</param>
internal sealed record Activation(FunctionInstance? Instance, Func<CancellationToken, Task>? Retire, IReadOnlyList<string> Errors)
{
    public static Activation Failed(params string[] errors) => new(null, null, errors);
}
