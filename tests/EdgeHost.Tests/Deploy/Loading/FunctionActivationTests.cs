using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Edge.Host.Deploy.Loading;

namespace Edge.Host.Tests.Deploy.Loading;

/// <summary>Every way a function version fails to load or construct, each as data with a precise message.</summary>
public sealed class FunctionActivationTests : IDisposable
{
    private readonly LoadingHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task LoadAsync_NoHandlerClass_HandlerNotFound()
    {
        var result = await LoadImageAsync("empty", LoadingHarness.Usings + "public static class NotAHandler { }");

        Assert.Equal(FunctionLoadError.HandlerNotFound, result.Error);
        Assert.Equal(["empty has no public non-abstract class implementing Edge.Functions.IFetchHandler."], result.Errors);
    }

    [Fact]
    public async Task LoadAsync_OnlyAnInternalHandlerClass_HandlerNotFoundNamingIt()
    {
        var source = LoadingHarness.Handler("Hidden", "\"x\"").Replace("public sealed class Hidden", "internal sealed class Hidden", StringComparison.Ordinal);

        var result = await LoadImageAsync("hidden", source);

        Assert.Equal(FunctionLoadError.HandlerNotFound, result.Error);
        Assert.Equal(["hidden has no public non-abstract class implementing Edge.Functions.IFetchHandler (Hidden implements it but is not public)."], result.Errors);
    }

    [Fact]
    public async Task LoadAsync_SeveralHandlerClasses_AmbiguousListingThem()
    {
        var source = LoadingHarness.Handler("B", "\"b\"") + LoadingHarness.Handler("A", "\"a\"").Replace(LoadingHarness.Usings, "", StringComparison.Ordinal)
            + "public abstract class Base : IFetchHandler { public abstract ValueTask<IResult> FetchAsync(HttpRequest r, IEdgeEnv e, IFetchContext c); }";

        var result = await LoadImageAsync("several", source);

        Assert.Equal(FunctionLoadError.HandlerAmbiguous, result.Error);
        Assert.Equal(["several has 2 handler classes (A, B): name the one to run."], result.Errors);
    }

    [Fact]
    public async Task LoadAsync_SeveralHandlerClassesOneNamed_LoadsTheNamedOne()
    {
        var source = LoadingHarness.Handler("B", "\"b\"") + LoadingHarness.Handler("A", "\"a\"").Replace(LoadingHarness.Usings, "", StringComparison.Ordinal);

        var result = await LoadImageAsync("several", source, handlerType: "B");

        Assert.True(result.Succeeded, string.Join(" ", result.Errors));
        Assert.Equal("b", await _harness.FetchTextAsync(result.Function));
        await result.Function.UnloadAsync();
    }

    [Theory]
    [InlineData("Missing", nameof(FunctionLoadError.HandlerNotFound), "named has no type Missing.")]
    [InlineData("Plain", nameof(FunctionLoadError.HandlerInvalid), "Plain in named cannot be a handler: it does not implement Edge.Functions.IFetchHandler.")]
    [InlineData("Base", nameof(FunctionLoadError.HandlerInvalid), "Base in named cannot be a handler: it is abstract.")]
    [InlineData("Inner", nameof(FunctionLoadError.HandlerInvalid), "Inner in named cannot be a handler: it is not public.")]
    public async Task LoadAsync_NamedTypeUnusable_SaysWhy(string type, string error, string message)
    {
        var source = LoadingHarness.Usings + """
            public sealed class Plain { }
            public abstract class Base : IFetchHandler { public abstract ValueTask<IResult> FetchAsync(HttpRequest r, IEdgeEnv e, IFetchContext c); }
            internal sealed class Inner : Base { public override ValueTask<IResult> FetchAsync(HttpRequest r, IEdgeEnv e, IFetchContext c) => ValueTask.FromResult(Results.Ok()); }
            """;

        var result = await LoadImageAsync("named", source, handlerType: type);

        Assert.Equal(Enum.Parse<FunctionLoadError>(error), result.Error);
        Assert.Equal([message], result.Errors);
    }

    [Fact]
    public async Task LoadAsync_NoUsableConstructor_ListsTheConstructorsItHas()
    {
        var result = await LoadImageAsync("ctor", LoadingHarness.Handler("Picky", "\"x\"", "public Picky(string name, int count) { }"));

        Assert.Equal(FunctionLoadError.NoUsableConstructor, result.Error);
        Assert.Equal(["Picky has no usable constructor: it needs a public constructor taking IEdgeEnv, or a public parameterless one; it has (String name, Int32 count)."], result.Errors);
    }

    [Fact]
    public async Task LoadAsync_ConstructorFindsConfigurationInvalid_ItsErrorsAreTheResult()
    {
        var members = """
            public Strict(IEdgeEnv env) => throw new FunctionConfigurationException(["Vars:Origin is required.", "Vars:Timeout 'soon' is not a duration."]);
            """;

        var result = await LoadImageAsync("strict", LoadingHarness.Handler("Strict", "\"x\"", members));

        Assert.Equal(FunctionLoadError.ConfigurationInvalid, result.Error);
        Assert.Equal(["Vars:Origin is required.", "Vars:Timeout 'soon' is not a duration."], result.Errors);
        Assert.Null(Assert.Single(_harness.Log.With(83)).Exception);
    }

    [Fact]
    public async Task LoadAsync_ConstructorThrows_ErrorNamesTypeAndMessageStackTraceOnlyInTheLog()
    {
        var members = "public Broken() => throw new InvalidOperationException(\"no database at db:5432\");";

        var result = await LoadImageAsync("broken", LoadingHarness.Handler("Broken", "\"x\"", members));

        Assert.Equal(FunctionLoadError.ConstructorFailed, result.Error);
        Assert.Equal(["The constructor of Broken threw InvalidOperationException: no database at db:5432"], result.Errors);
        var logged = Assert.Single(_harness.Log.With(83));
        Assert.Contains("Broken..ctor()", Assert.IsType<InvalidOperationException>(logged.Exception).StackTrace, StringComparison.Ordinal);
        Assert.DoesNotContain("Broken..ctor", result.Errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_StaticConstructorThrows_ErrorNamesTheStaticConstructor()
    {
        var members = "static Static() { if (Environment.GetEnvironmentVariable(\"EDGE_TEST_NEVER_SET\") is null) throw new ArgumentException(\"EDGE_TEST_NEVER_SET is not set\"); }";

        var result = await LoadImageAsync("static", LoadingHarness.Handler("Static", "\"x\"", members));

        Assert.Equal(FunctionLoadError.ConstructorFailed, result.Error);
        Assert.Equal(["The static constructor of Static threw ArgumentException: EDGE_TEST_NEVER_SET is not set"], result.Errors);
    }

    [Fact]
    public async Task LoadAsync_NotAnAssembly_AssemblyInvalid()
    {
        var result = await _harness.LoadAsync(new FunctionVersion("garbage", "1"), FunctionBundle.FromImage("MZ but not really a PE image"u8.ToArray()));

        Assert.Equal(FunctionLoadError.AssemblyInvalid, result.Error);
        Assert.StartsWith("the compiled image is not a .NET assembly: ", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_BundleMainIsANativeLibrary_AssemblyInvalid()
    {
        var bundle = _harness.WriteBundle("native-main", [], ("main.dll", File.ReadAllBytes("/proc/self/exe")));

        var result = await _harness.LoadAsync(new FunctionVersion("native-main", "1"), FunctionBundle.FromDirectory(bundle, "main.dll"));

        Assert.Equal(FunctionLoadError.AssemblyInvalid, result.Error);
        Assert.StartsWith("main.dll is not a .NET assembly: ", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_ReferenceAssembly_AssemblyInvalidSayingWhatToDeploy()
    {
        var reference = TestCompiler.Compile("refonly", LoadingHarness.Handler("RefOnly", "\"x\""), referenceAssembly: true);

        var result = await _harness.LoadAsync(new FunctionVersion("refonly", "1"), FunctionBundle.FromImage(reference.Image));

        Assert.Equal(FunctionLoadError.AssemblyInvalid, result.Error);
        Assert.Equal(["the compiled image is a reference assembly (metadata only, no code): deploy the build or publish output, not obj/ref."], result.Errors);
    }

    [Fact]
    public async Task LoadAsync_PrivateDependencyMissing_DependencyMissingNamingIt()
    {
        var greeting = TestCompiler.Compile("Greeting", "namespace Greetings; public static class Greeter { public static string Greet() => \"hi\"; }");
        var hello = TestCompiler.Compile("hello", LoadingHarness.Handler("Hello", "Greetings.Greeter.Greet()"), [greeting]);
        var bundle = _harness.WriteBundle("missing", [hello]);

        var result = await _harness.LoadAsync(new FunctionVersion("hello", "1"), FunctionBundle.FromDirectory(bundle, "hello.dll"));

        Assert.Equal(FunctionLoadError.DependencyMissing, result.Error);
        Assert.Equal(["hello.dll references Greeting 0.0.0.0, which is neither in the bundle nor in the host: ship it beside the main assembly (dotnet publish does)."], result.Errors);
    }

    [Fact]
    public async Task LoadAsync_PrivateDependencyCorrupt_DependencyMissingSayingWhy()
    {
        var greeting = TestCompiler.Compile("Greeting", "namespace Greetings; public static class Greeter { public static string Greet() => \"hi\"; }");
        var hello = TestCompiler.Compile("hello", LoadingHarness.Handler("Hello", "Greetings.Greeter.Greet()"), [greeting]);
        var bundle = _harness.WriteBundle("corrupt", [hello], ("Greeting.dll", greeting.Image.AsSpan(0, 300).ToArray()));

        var result = await _harness.LoadAsync(new FunctionVersion("hello", "1"), FunctionBundle.FromDirectory(bundle, "hello.dll"));

        Assert.Equal(FunctionLoadError.DependencyMissing, result.Error);
        Assert.StartsWith("hello.dll references Greeting 0.0.0.0, and the bundle's Greeting.dll cannot be loaded: Greeting.dll is not a .NET assembly", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_MainAssemblyMissing_BundleUnreadableListingWhatIsThere()
    {
        var bundle = _harness.WriteBundle("wrong-name", [TestCompiler.Compile("hello", LoadingHarness.Handler("Hello", "\"x\""))]);

        var result = await _harness.LoadAsync(new FunctionVersion("hello", "1"), FunctionBundle.FromDirectory(bundle, "Hello.Function.dll"));

        Assert.Equal(FunctionLoadError.BundleUnreadable, result.Error);
        Assert.Equal([$"The bundle {bundle} has no Hello.Function.dll; its .dll files are: hello.dll."], result.Errors);
    }

    [Fact]
    public async Task LoadAsync_BundleDirectoryMissing_BundleUnreadable()
    {
        var missing = _harness.Temp.Combine("nowhere");

        var result = await _harness.LoadAsync(new FunctionVersion("hello", "1"), FunctionBundle.FromDirectory(missing, "hello.dll"));

        Assert.Equal(FunctionLoadError.BundleUnreadable, result.Error);
        Assert.Equal([$"The bundle directory {missing} does not exist."], result.Errors);
    }

    [Fact]
    public async Task LoadAsync_MainAssemblyNamedLikeAHostAssembly_AssemblyInvalid()
    {
        var result = await LoadImageAsync("Edge.Forwarding", LoadingHarness.Handler("Clash", "\"x\""));

        Assert.Equal(FunctionLoadError.AssemblyInvalid, result.Error);
        Assert.Equal(["The function's assembly is named Edge.Forwarding, like an assembly of the host: rename it (AssemblyName in the function's project)."], result.Errors);
    }

    [Fact]
    public async Task LoadAsync_Refused_ItsContextIsUnloaded()
    {
        var members = "public Refused() => throw new FunctionConfigurationException([\"no\"]);";

        var result = await LoadImageAsync("refused", LoadingHarness.Handler("Refused", "\"x\"", members));

        Assert.Equal(FunctionLoadError.ConfigurationInvalid, result.Error);
        Assert.True(ContextGone("edge:refused@1"), "the refused version's load context is still alive after 10 collections");
    }

    /// <summary>Whether no load context of that name is alive after at most ten full collections.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static bool ContextGone(string name)
    {
        for (var i = 0; i < 10 && AssemblyLoadContext.All.Any(c => c.Name == name); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        return AssemblyLoadContext.All.All(c => c.Name != name);
    }

    private Task<FunctionLoadResult> LoadImageAsync(string name, string source, string? handlerType = null)
    {
        var compiled = TestCompiler.Compile(name, source);
        return _harness.LoadAsync(new FunctionVersion(name, "1"), FunctionBundle.FromImage(compiled.Image, compiled.Symbols), handlerType);
    }
}
