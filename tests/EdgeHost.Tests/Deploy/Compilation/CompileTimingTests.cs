using System.Globalization;
using Edge.Host.Deploy.Compilation;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Edge.Host.Tests.Deploy.Compilation;

/// <summary>
/// Measures what a deploy costs the host: the first compile in a process (the compiler's JIT, reading refs/) and the
/// ones after it. Reported, never asserted: timings depend on the machine and its load. Run alone for a cold first
/// compile: <c>dotnet test --filter FullyQualifiedName~CompileTimingTests --logger "console;verbosity=detailed"</c>.
/// </summary>
[Collection(CompilerCollection.Name)]
public sealed class CompileTimingTests(ITestOutputHelper output)
{
    [Fact]
    public void Compile_FirstAndLater_TimesAreReported()
    {
        var compiler = new SourceCompiler(new SourceCompilerOptions(), TimeProvider.System, NullLogger<SourceCompiler>.Instance);

        var first = Compile(compiler, "hello.cs", Sources.Hello);
        var firstWithGenerators = Compile(compiler, "api.cs", Sources.Generated);
        var later = Enumerable.Range(0, 5).Select(_ => Compile(compiler, "hello.cs", Sources.Hello)).ToList();
        var laterWithGenerators = Enumerable.Range(0, 3).Select(_ => Compile(compiler, "api.cs", Sources.Generated)).ToList();
        var other = Compile(new SourceCompiler(new SourceCompilerOptions(), TimeProvider.System, NullLogger<SourceCompiler>.Instance), "hello.cs", Sources.Hello);

        output.WriteLine(Line($"first compile (hello.cs, no generators): {first:0} ms"));
        output.WriteLine(Line($"first compile using the generators (api.cs): {firstWithGenerators:0} ms"));
        output.WriteLine(Line($"later hello.cs: {string.Join(", ", later.Select(t => $"{t:0}"))} ms"));
        output.WriteLine(Line($"later api.cs: {string.Join(", ", laterWithGenerators.Select(t => $"{t:0}"))} ms"));
        output.WriteLine(Line($"a second compiler's first compile (refs/ read again): {other:0} ms"));
    }

    private static double Compile(SourceCompiler compiler, string fileName, string source)
    {
        var result = compiler.Compile(fileName, Sources.Utf8(source));
        Assert.True(result.Succeeded, string.Join('\n', result.Lines));
        return result.Elapsed.TotalMilliseconds;
    }

    private static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
