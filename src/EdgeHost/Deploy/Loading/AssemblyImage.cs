using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;

namespace Edge.Host.Deploy.Loading;

/// <summary>
/// A managed assembly of a function version held in memory, so that no file of its bundle stays open: its identity and
/// references are read from its metadata without loading it, and the runtime loads it from a stream.
/// </summary>
internal sealed class AssemblyImage
{
    private AssemblyImage(string source, AssemblyName name, IReadOnlyList<AssemblyName> references, ReadOnlyMemory<byte> image, ReadOnlyMemory<byte> symbols)
    {
        Source = source;
        Name = name;
        References = references;
        Image = image;
        Symbols = symbols;
    }

    /// <summary>Where it came from: its path inside the bundle (with '/'), or "the compiled image".</summary>
    public string Source { get; }

    /// <summary>Its identity (simple name and version).</summary>
    public AssemblyName Name { get; }

    /// <summary>Its simple name.</summary>
    public string SimpleName => Name.Name!;

    /// <summary>The assemblies it references.</summary>
    public IReadOnlyList<AssemblyName> References { get; }

    /// <summary>The PE image.</summary>
    public ReadOnlyMemory<byte> Image { get; }

    /// <summary>Its portable PDB, or empty.</summary>
    public ReadOnlyMemory<byte> Symbols { get; }

    /// <summary>
    /// Reads the metadata of <paramref name="image"/>. Returns null, with the reason in <paramref name="error"/>, when it
    /// is not a loadable .NET assembly: not a PE image with metadata (a native library, a corrupt file), a module
    /// without a manifest, or a reference assembly (from <c>obj/ref</c> or a targeting pack), which has no code.
    /// </summary>
    public static AssemblyImage? TryRead(string source, ReadOnlyMemory<byte> image, ReadOnlyMemory<byte> symbols, out string? error)
    {
        try
        {
            using var pe = new PEReader(AsStream(image));
            if (!pe.HasMetadata)
            {
                error = $"{source} is not a .NET assembly (it has no metadata).";
                return null;
            }

            var metadata = pe.GetMetadataReader();
            if (!metadata.IsAssembly)
            {
                error = $"{source} is a .NET module without an assembly manifest, not an assembly.";
                return null;
            }

            var definition = metadata.GetAssemblyDefinition();
            if (HasAttribute(metadata, definition.GetCustomAttributes(), "System.Runtime.CompilerServices", "ReferenceAssemblyAttribute"))
            {
                error = $"{source} is a reference assembly (metadata only, no code): deploy the build or publish output, not obj/ref.";
                return null;
            }

            var references = metadata.AssemblyReferences.Select(h => metadata.GetAssemblyReference(h).GetAssemblyName()).ToArray();
            error = null;
            return new AssemblyImage(source, definition.GetAssemblyName(), references, image, symbols);
        }
        catch (BadImageFormatException ex)
        {
            error = $"{source} is not a .NET assembly: {ex.Message}";
            return null;
        }
    }

    /// <summary>The same assembly with its portable PDB.</summary>
    public AssemblyImage WithSymbols(ReadOnlyMemory<byte> symbols) => new(Source, Name, References, Image, symbols);

    /// <summary>A read-only stream over <paramref name="bytes"/>, without a copy when they are an array.</summary>
    public static Stream AsStream(ReadOnlyMemory<byte> bytes) =>
        MemoryMarshal.TryGetArray(bytes, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);

    private static bool HasAttribute(MetadataReader metadata, CustomAttributeHandleCollection attributes, string ns, string name)
    {
        foreach (var handle in attributes)
        {
            var constructor = metadata.GetCustomAttribute(handle).Constructor;
            var type = constructor.Kind switch
            {
                HandleKind.MemberReference => metadata.GetMemberReference((MemberReferenceHandle)constructor).Parent,
                HandleKind.MethodDefinition => metadata.GetMethodDefinition((MethodDefinitionHandle)constructor).GetDeclaringType(),
                _ => default(EntityHandle),
            };
            var (typeNs, typeName) = type.Kind switch
            {
                HandleKind.TypeReference => (metadata.GetTypeReference((TypeReferenceHandle)type).Namespace, metadata.GetTypeReference((TypeReferenceHandle)type).Name),
                HandleKind.TypeDefinition => (metadata.GetTypeDefinition((TypeDefinitionHandle)type).Namespace, metadata.GetTypeDefinition((TypeDefinitionHandle)type).Name),
                _ => (default(StringHandle), default(StringHandle)),
            };
            if (!typeName.IsNil && metadata.StringComparer.Equals(typeName, name) && metadata.StringComparer.Equals(typeNs, ns))
            {
                return true;
            }
        }

        return false;
    }
}
