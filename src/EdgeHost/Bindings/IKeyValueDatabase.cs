using Edge.Functions;

namespace Edge.Host.Bindings;

/// <summary>A key-value backend holding every namespace of the host; <see cref="BindingProvider"/> owns and disposes it.</summary>
internal interface IKeyValueDatabase : IDisposable
{
    /// <summary>The store of <paramref name="namespace"/>; the same instance for the same name.</summary>
    IKeyValueStore GetStore(string @namespace);
}
