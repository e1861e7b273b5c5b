using System.Runtime.InteropServices;

namespace Edge.Host.Deploy.Compilation;

/// <summary>
/// A compiled function in memory: the assembly and its portable PDB, and the handler type to instantiate. Nothing is
/// written to disk; the loader loads the image into its own (collectible) load context.
/// </summary>
internal sealed class CompiledFunction
{
    public CompiledFunction(string fileName, string assemblyName, string handlerTypeName, bool handlerTakesEnvironment, byte[] image, byte[] pdb)
    {
        FileName = fileName;
        AssemblyName = assemblyName;
        HandlerTypeName = handlerTypeName;
        HandlerTakesEnvironment = handlerTakesEnvironment;
        Image = image;
        Pdb = pdb;
    }

    /// <summary>The source file's name as the user gave it; stack traces and the PDB name it.</summary>
    public string FileName { get; }

    /// <summary>The assembly's simple name, unique per compile so several versions of a function load side by side.</summary>
    public string AssemblyName { get; }

    /// <summary>The handler's full metadata name (nested types joined with '+'), for <see cref="System.Reflection.Assembly.GetType(string)"/>.</summary>
    public string HandlerTypeName { get; }

    /// <summary>
    /// Whether the handler has a public constructor taking <c>IEdgeEnv</c>, which the host uses when it exists; otherwise
    /// it has a public parameterless one.
    /// </summary>
    public bool HandlerTakesEnvironment { get; }

    /// <summary>The assembly (PE image).</summary>
    public ReadOnlyMemory<byte> Image { get; }

    /// <summary>The portable PDB, with the source embedded, so stack traces carry the user's file and line numbers.</summary>
    public ReadOnlyMemory<byte> Pdb { get; }

    /// <summary>A read-only stream over <see cref="Image"/>, for <c>AssemblyLoadContext.LoadFromStream</c>.</summary>
    public Stream OpenImage() => OpenReadOnly(Image);

    /// <summary>A read-only stream over <see cref="Pdb"/>.</summary>
    public Stream OpenPdb() => OpenReadOnly(Pdb);

    private static MemoryStream OpenReadOnly(ReadOnlyMemory<byte> bytes) =>
        MemoryMarshal.TryGetArray(bytes, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);
}
