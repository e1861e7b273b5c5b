using Edge.Functions;

namespace Edge.Bindings;

/// <summary>A key-value backend holding every namespace of the host; its creator owns and disposes it.</summary>
public interface IKeyValueDatabase : IDisposable
{
    /// <summary>The store of <paramref name="namespace"/>; the same instance for the same name.</summary>
    IKeyValueStore GetStore(string @namespace);
}
