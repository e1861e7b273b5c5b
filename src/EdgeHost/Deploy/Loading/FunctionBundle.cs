namespace Edge.Host.Deploy.Loading;

/// <summary>
/// Where a function version's code comes from: the output of <c>dotnet build</c> or <c>dotnet publish</c> of a function
/// project (the main assembly, its private dependencies beside it, native libraries in <c>runtimes/RID/native</c> or
/// beside it), or one assembly compiled in memory (a single-file function), with its symbols.
/// </summary>
internal sealed class FunctionBundle
{
    private FunctionBundle(string? directory, string? mainAssemblyFile, ReadOnlyMemory<byte> image, ReadOnlyMemory<byte> symbols)
    {
        Directory = directory;
        MainAssemblyFile = mainAssemblyFile;
        Image = image;
        Symbols = symbols;
    }

    /// <summary>The bundle directory, or null for a compiled image.</summary>
    public string? Directory { get; }

    /// <summary>The main assembly's file name inside <see cref="Directory"/> (for example <c>Hello.dll</c>).</summary>
    public string? MainAssemblyFile { get; }

    /// <summary>The compiled assembly (PE image) when there is no directory.</summary>
    public ReadOnlyMemory<byte> Image { get; }

    /// <summary>Its portable PDB, or empty.</summary>
    public ReadOnlyMemory<byte> Symbols { get; }

    /// <summary>A build or publish output directory whose main assembly is <paramref name="mainAssemblyFile"/>.</summary>
    public static FunctionBundle FromDirectory(string directory, string mainAssemblyFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentException.ThrowIfNullOrEmpty(mainAssemblyFile);
        return new FunctionBundle(directory, mainAssemblyFile, default, default);
    }

    /// <summary>One assembly compiled in memory, with its portable PDB when there is one (stack traces get line
    /// numbers from it).</summary>
    public static FunctionBundle FromImage(ReadOnlyMemory<byte> image, ReadOnlyMemory<byte> symbols = default)
    {
        if (image.IsEmpty)
        {
            throw new ArgumentException("The assembly image is empty.", nameof(image));
        }

        return new FunctionBundle(null, null, image, symbols);
    }

    /// <summary>Where the code came from, for log lines.</summary>
    public override string ToString() =>
        Directory is null ? $"a compiled image of {Image.Length} bytes" : Path.Join(Directory, MainAssemblyFile);
}
