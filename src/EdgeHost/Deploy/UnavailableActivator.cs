using Edge.Host.Deploy.Versions;

namespace Edge.Host.Deploy;

/// <summary>An isolation mode this build cannot run yet: every deploy that asks for it is refused with the reason.</summary>
internal sealed class UnavailableActivator(string reason) : IVersionActivator
{
    public Task<IReadOnlyList<string>> PrepareAsync(CodeKind kind, string codeDirectory, FunctionManifest manifest, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([reason]);

    public Task<Activation> ActivateAsync(FunctionVersion version, string codeDirectory, IReadOnlyDictionary<string, string> secrets, CancellationToken cancellationToken) =>
        Task.FromResult(Activation.Failed(reason));
}
