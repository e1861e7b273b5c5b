using System.Diagnostics;
using System.Text;
using Edge.Host.Deploy.Compilation;

namespace Edge.Host.Tests.Deploy.Compilation;

[Collection(CompilerCollection.Name)]
public sealed class SourceCompilerTests(CompilerFixture fixture)
{
    [Fact]
    public async Task Compile_ValidHandler_LoadsAndAnswersFetch()
    {
        var result = fixture.Compiler.Compile("hello.cs", Sources.Utf8(Sources.Hello));

        Assert.True(result.Succeeded, string.Join('\n', result.Lines));
        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        Assert.Equal("Hello", result.Function.HandlerTypeName);
        Assert.True(result.Function.HandlerTakesEnvironment);
        Assert.Equal("hello.cs", result.Function.FileName);
        Assert.StartsWith("Edge.Function.hello.", result.Function.AssemblyName, StringComparison.Ordinal);

        using var loaded = LoadedFunction.Load(result.Function, fixture.Env);
        var (status, contentType, body) = await loaded.FetchAsync(fixture.Env, fixture.Services, "/greet");

        Assert.Equal(200, status);
        Assert.Equal("text/plain; charset=utf-8", contentType);
        Assert.Equal("Hello from hello at /greet, hello.test", body);
        Assert.Contains(fixture.Log.Entries, e => e.EventId == 130 && e.Message.Contains("Compiled hello.cs into Edge.Function.hello.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Compile_SdkAndAspNetCoreOnly_RunsSourceGenerators()
    {
        // Results.Json with a source-generated context, [LoggerMessage] and [GeneratedRegex]: the three generators the
        // refs/ folder carries, as a project would run them.
        var result = fixture.Compiler.Compile("api.cs", Sources.Utf8(Sources.Generated));

        Assert.True(result.Succeeded, string.Join('\n', result.Lines));
        Assert.Empty(result.Warnings);
        Assert.Equal("Demo.Api", result.Function.HandlerTypeName);
        using var loaded = LoadedFunction.Load(result.Function, fixture.Env);
        Assert.IsAssignableFrom<Edge.Functions.IScheduledHandler>(loaded.Handler);
        var (status, contentType, body) = await loaded.FetchAsync(fixture.Env, fixture.Services, "/items/42");
        Assert.Equal(200, status);
        Assert.Equal("application/json; charset=utf-8", contentType);
        Assert.Equal("""{"id":42,"tags":["tag1","tag2","tag3"]}""", body);
    }

    [Theory]
    [InlineData("[JsonSerializable(typeof(Item))]", true)]
    [InlineData("using Json = System.Text.Json.Serialization.JsonSerializableAttribute;", true)]
    [InlineData("[GeneratedRegex(\"a+\")]", true)]
    [InlineData("[LoggerMessage(EventId = 1)]", true)]
    [InlineData("Results.Json(item)", false)]
    public void MayUseGenerators_OnlyWhenTheFileNamesAGeneratorsAttribute(string text, bool expected) =>
        Assert.Equal(expected, FunctionSource.MayUseGenerators(text));

    [Fact]
    public async Task Compile_ParameterlessNestedHandler_LoadsByMetadataName()
    {
        const string Source = """
            namespace Outer.Inner;

            public static class Functions
            {
                public sealed class Ping : IFetchHandler
                {
                    public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                        ValueTask.FromResult(Results.Text("pong"));
                }
            }
            """;

        var result = fixture.Compiler.Compile("ping.cs", Sources.Utf8(Source));

        Assert.True(result.Succeeded, string.Join('\n', result.Lines));
        Assert.Equal("Outer.Inner.Functions+Ping", result.Function.HandlerTypeName);
        Assert.False(result.Function.HandlerTakesEnvironment);
        using var loaded = LoadedFunction.Load(result.Function, fixture.Env);
        Assert.Equal("pong", (await loaded.FetchAsync(fixture.Env, fixture.Services)).Body);
    }

    [Fact]
    public async Task Compile_HandlerThrows_StackTraceNamesTheUsersFileAndLine()
    {
        const string Source = """
            public sealed class Boom : IFetchHandler
            {
                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                    throw new InvalidOperationException("boom");
            }
            """;

        var result = fixture.Compiler.Compile("boom.cs", Sources.Utf8(Source));
        Assert.True(result.Succeeded, string.Join('\n', result.Lines));
        using var loaded = LoadedFunction.Load(result.Function, fixture.Env);

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => loaded.FetchAsync(fixture.Env, fixture.Services));

        // The portable PDB loaded with the image carries the file the user named and its line numbers.
        var frame = new StackTrace(thrown, fNeedFileInfo: true).GetFrames().First(f => f.GetMethod()?.DeclaringType?.Name == "Boom");
        Assert.Equal("boom.cs", frame.GetFileName());
        Assert.Equal(4, frame.GetFileLineNumber());
    }

    [Fact]
    public void Compile_Warnings_AreReturnedAndNotFatal()
    {
        const string Source = """
            public sealed class Warned : IFetchHandler
            {
                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx)
                {
                    int unused = 1;
                    string text = null;
                    return ValueTask.FromResult(Results.Text(text));
                }
            }
            """;

        var result = fixture.Compiler.Compile("warned.cs", Sources.Utf8(Source));

        Assert.True(result.Succeeded);
        Assert.Empty(result.Errors);
        Assert.Equal(
            [
                "warned.cs(5,13): warning CS0219: The variable 'unused' is assigned but its value is never used",
                "warned.cs(6,23): warning CS8600: Converting null literal or possible null value to non-nullable type.",
            ],
            result.Warnings.Select(w => w.ToString()));
    }

    [Fact]
    public void Compile_UsingDirectivesThatRepeatGlobalOnes_AreNotWarnedAbout()
    {
        var result = fixture.Compiler.Compile("hello.cs", Sources.Utf8("using System;\nusing Edge.Functions;\nusing Microsoft.AspNetCore.Http;\n" + Sources.Hello));

        Assert.True(result.Succeeded, string.Join('\n', result.Lines));
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void Compile_SameFileTwice_GivesUniqueAssemblyNames()
    {
        var first = fixture.Compiler.Compile("hello.cs", Sources.Utf8(Sources.Hello));
        var second = fixture.Compiler.Compile("hello.cs", Sources.Utf8(Sources.Hello));

        Assert.True(first.Succeeded && second.Succeeded);
        Assert.NotEqual(first.Function!.AssemblyName, second.Function!.AssemblyName);
        using var a = LoadedFunction.Load(first.Function, fixture.Env);
        using var b = LoadedFunction.Load(second.Function, fixture.Env);
        Assert.NotSame(a.Handler.GetType(), b.Handler.GetType());
    }

    [Fact]
    public async Task CompileAsync_StreamWithUtf8ByteOrderMark_Compiles()
    {
        using var stream = new MemoryStream([.. Encoding.UTF8.Preamble, .. Sources.Utf8(Sources.Hello)]);

        var result = await fixture.Compiler.CompileAsync("hello.cs", stream);

        Assert.True(result.Succeeded, string.Join('\n', result.Lines));
    }

    [Fact]
    public void Compile_Cancelled_Throws()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => fixture.Compiler.Compile("hello.cs", Sources.Utf8(Sources.Hello), cancellationToken: cancelled.Token));
    }

    [Fact]
    public async Task WarmUpAsync_CompilesItsOwnFunction_LogsTheTime()
    {
        var elapsed = await fixture.Compiler.WarmUpAsync(CancellationToken.None);

        Assert.NotNull(elapsed);
        Assert.Contains(fixture.Log.Entries, e => e.EventId == 132 && e.Message.StartsWith("Function compiler warmed up in ", StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.Log.Entries, e => e.EventId is 133 or 134);
    }
}
