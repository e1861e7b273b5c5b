namespace Edge.Host.Deploy.Loading;

/// <summary>Why a function version was not loaded. The messages of a <see cref="FunctionLoadResult"/> say exactly
/// what and where.</summary>
internal enum FunctionLoadError
{
    /// <summary>Loaded.</summary>
    None = 0,

    /// <summary>The bundle cannot be read: no such directory or main assembly file, or an I/O error.</summary>
    BundleUnreadable,

    /// <summary>The main assembly is not a loadable .NET assembly (not a PE image with metadata, a reference assembly,
    /// a module, an image the runtime refuses), or it is named like an assembly of the host.</summary>
    AssemblyInvalid,

    /// <summary>Built against a major version of Edge.Functions newer than the host's.</summary>
    SdkTooNew,

    /// <summary>References an assembly the host has (framework or host dependency) in a newer major version.</summary>
    HostAssemblyTooOld,

    /// <summary>References an assembly that is neither in the bundle nor in the host, or one that fails to load.</summary>
    DependencyMissing,

    /// <summary>No handler class: none implements IFetchHandler, or the named type does not exist.</summary>
    HandlerNotFound,

    /// <summary>Several handler classes and none named.</summary>
    HandlerAmbiguous,

    /// <summary>The named type cannot be a handler (not public, abstract, generic, or not an IFetchHandler).</summary>
    HandlerInvalid,

    /// <summary>The handler has neither a public constructor taking IEdgeEnv nor a public parameterless one.</summary>
    NoUsableConstructor,

    /// <summary>The handler's constructor threw FunctionConfigurationException: its errors are the messages.</summary>
    ConfigurationInvalid,

    /// <summary>The handler's constructor threw anything else.</summary>
    ConstructorFailed,
}
