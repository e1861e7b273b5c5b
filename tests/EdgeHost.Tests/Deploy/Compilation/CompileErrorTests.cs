using Edge.Host.Deploy.Compilation;

namespace Edge.Host.Tests.Deploy.Compilation;

/// <summary>Compiler errors come back exactly as the C# compiler's command line prints them, naming the user's file.</summary>
[Collection(CompilerCollection.Name)]
public sealed class CompileErrorTests(CompilerFixture fixture)
{
    [Fact]
    public void Compile_SyntaxError_ReturnsTheCompilersLine()
    {
        const string Source = """
            public sealed class Hello : IFetchHandler
            {
                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                    ValueTask.FromResult(Results.Text("hi"))
            }
            """;

        var result = fixture.Compiler.Compile("hello.cs", Sources.Utf8(Source));

        Assert.False(result.Succeeded);
        Assert.Null(result.Function);
        Assert.Equal(SourceCompileError.CompilationFailed, result.Error);
        Assert.Equal(["hello.cs(4,49): error CS1002: ; expected"], result.Lines);
    }

    [Fact]
    public void Compile_SemanticError_ReturnsTheCompilersLine()
    {
        const string Source = """
            public sealed class Hello : IFetchHandler
            {
                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                    ValueTask.FromResult(Results.Text(x));
            }
            """;

        var result = fixture.Compiler.Compile("hello.cs", Sources.Utf8(Source));

        Assert.Equal(SourceCompileError.CompilationFailed, result.Error);
        Assert.Equal(["hello.cs(4,43): error CS0103: The name 'x' does not exist in the current context"], result.Lines);
        Assert.Contains(fixture.Log.Entries, e => e.EventId == 131 && e.Message.Contains("first: hello.cs(4,43): error CS0103", StringComparison.Ordinal));
    }

    [Fact]
    public void Compile_SeveralErrorsInMethodBodies_InSourceOrderWithWarningsApart()
    {
        const string Source = """
            public sealed class Hello : IFetchHandler
            {
                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx)
                {
                    int unused = 1;
                    Missing.Call();
                    return ValueTask.FromResult(Results.Text(request.Nope));
                }
            }
            """;

        var result = fixture.Compiler.Compile("hello.cs", Sources.Utf8(Source));

        Assert.Equal(SourceCompileError.CompilationFailed, result.Error);
        Assert.Equal(
            [
                "hello.cs(6,9): error CS0103: The name 'Missing' does not exist in the current context",
                "hello.cs(7,58): error CS1061: 'HttpRequest' does not contain a definition for 'Nope' and no accessible extension method 'Nope' accepting a first argument of type 'HttpRequest' could be found (are you missing a using directive or an assembly reference?)",
            ],
            result.Errors.Select(e => e.ToString()));
        Assert.Equal(["hello.cs(5,13): warning CS0219: The variable 'unused' is assigned but its value is never used"], result.Warnings.Select(w => w.ToString()));
    }

    [Fact]
    public void Compile_DeclarationError_EndsTheCompileBeforeMethodBodies()
    {
        // As on the command line: the class that misses its interface member is reported, the body errors (and the
        // warning) in the other class are not, since they are not looked at.
        const string Source = """
            public sealed class Hello : IFetchHandler
            {
                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx)
                {
                    int unused = 1;
                    Missing.Call();
                    return ValueTask.FromResult(Results.Text(request.Nope));
                }
            }

            public sealed class Half : IFetchHandler
            {
            }
            """;

        var result = fixture.Compiler.Compile("hello.cs", Sources.Utf8(Source));

        Assert.Equal(SourceCompileError.CompilationFailed, result.Error);
        Assert.Equal(["hello.cs(11,28): error CS0535: 'Half' does not implement interface member 'IFetchHandler.FetchAsync(HttpRequest, IEdgeEnv, IFetchContext)'"], result.Lines);
    }

    [Fact]
    public void Compile_SyntaxError_EndsTheCompileBeforeDeclarations()
    {
        const string Source = """
            public sealed class Hello : IFetchHandler
            {
                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                    ValueTask.FromResult(Results.Text(x));
            }

            public sealed class Half
            {
                public int Count { get; }
                public Half() { Count = 1 }
            }
            """;

        var result = fixture.Compiler.Compile("hello.cs", Sources.Utf8(Source));

        Assert.Equal(["hello.cs(10,31): error CS1002: ; expected"], result.Lines);
    }

    [Fact]
    public void Compile_SourceGeneratorWarning_IsReturnedWithItsHelpLinkAndNotFatal()
    {
        const string Source = """
            public sealed partial class Hello : IFetchHandler
            {
                [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Hi")]
                private static partial void LogHi(ILogger logger, string name);

                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                    ValueTask.FromResult(Results.Text("hi"));
            }
            """;

        var result = fixture.Compiler.Compile("hello.cs", Sources.Utf8(Source));

        // As the SDK's build prints it: generators' diagnostics carry their help page, the compiler's own do not.
        Assert.True(result.Succeeded, string.Join('\n', result.Lines));
        Assert.Equal(
            ["hello.cs(4,62): warning SYSLIB1015: Argument 'name' is not referenced from the logging message (https://learn.microsoft.com/dotnet/fundamentals/syslib-diagnostics/syslib1015)"],
            result.Warnings.Select(w => w.ToString()));
    }

    [Fact]
    public void Compile_SourceGeneratorError_FailsTheCompile()
    {
        const string Source = """
            public sealed partial class Hello : IFetchHandler
            {
                [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Hi")]
                private static partial void LogHi(ILogger logger);

                [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Hi")]
                private static partial void LogNone();

                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                    ValueTask.FromResult(Results.Text("hi"));
            }
            """;

        var result = fixture.Compiler.Compile("hello.cs", Sources.Utf8(Source));

        Assert.Equal(SourceCompileError.CompilationFailed, result.Error);
        Assert.Equal(
            [
                "hello.cs(6,5): error SYSLIB1008: One of the arguments to the static logging method 'LogNone' must implement the Microsoft.Extensions.Logging.ILogger interface (https://learn.microsoft.com/dotnet/fundamentals/syslib-diagnostics/syslib1008)",
                "hello.cs(7,33): error CS8795: Partial method 'Hello.LogNone()' must have an implementation part because it has accessibility modifiers.",
            ],
            result.Lines);
    }

    [Fact]
    public void Compile_TopLevelStatements_AreAnError()
    {
        var result = fixture.Compiler.Compile("script.cs", Sources.Utf8("Console.WriteLine(\"hi\");\n"));

        Assert.Equal(SourceCompileError.CompilationFailed, result.Error);
        Assert.Equal(["script.cs(1,1): error CS8805: Program using top-level statements must be an executable."], result.Lines);
    }

    [Fact]
    public void Compile_LatestLanguage_AcceptsCSharp14()
    {
        // The field keyword and extension members are C# 14, the language of the .NET 10 SDK.
        const string Source = """
            public sealed class Hello : IFetchHandler
            {
                public string Greeting { get; set => field = value.Trim(); } = "hi";

                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                    ValueTask.FromResult(Results.Text(Greeting.Shout()));
            }

            public static class TextExtensions
            {
                extension(string text)
                {
                    public string Shout() => text.ToUpperInvariant() + "!";
                }
            }
            """;

        var result = fixture.Compiler.Compile("hello.cs", Sources.Utf8(Source));

        Assert.True(result.Succeeded, string.Join('\n', result.Lines));
    }
}
