using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using Edge.Functions;
using Edge.Host.Deploy.Loading;

namespace Edge.Host.Tests.Deploy.Loading;

/// <summary>
/// Loading real compiled functions: from a bundle directory and from an in-memory image, side by side, bound to the
/// host's SDK and frameworks, with private and native dependencies, without holding any file of the bundle.
/// </summary>
public sealed class FunctionLoadingTests : IDisposable
{
    private const string GreetingSource = """
        namespace Greetings;
        public static class Greeter
        {
            public static string Greet(string name) => "hello " + name + " from Greeting " + typeof(Greeter).Assembly.GetName().Version;
        }
        """;

    private readonly LoadingHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task LoadAsync_BundleDirectory_HandlerAnswersWithItsPrivateDependency()
    {
        var greeting = TestCompiler.Compile("Greeting", Versioned(GreetingSource, "1.0.0.0"));
        var hello = TestCompiler.Compile("hello", LoadingHarness.Handler("Hello", "Greetings.Greeter.Greet(env.FunctionName)"), [greeting]);
        var bundle = _harness.WriteBundle("hello", [hello, greeting]);

        var result = await _harness.LoadAsync(new FunctionVersion("hello", "v1"), FunctionBundle.FromDirectory(bundle, "hello.dll"));

        Assert.True(result.Succeeded, string.Join(" ", result.Errors));
        Assert.Equal("Hello", result.Function.HandlerType);
        Assert.Equal("hello hello from Greeting 1.0.0.0", await _harness.FetchTextAsync(result.Function));
        var context = AssemblyLoadContext.GetLoadContext(result.Function.Handler.GetType().Assembly)!;
        Assert.Equal("edge:hello@v1", context.Name);
        Assert.True(context.IsCollectible);
        Assert.Equal(["Greeting", "hello"], context.Assemblies.Select(a => a.GetName().Name).Order(StringComparer.Ordinal));
        Assert.Empty(result.IgnoredFiles);
        Assert.Single(_harness.Log.With(80));
        await result.Function.UnloadAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LoadAsync_ImageOrBundleWithPdb_HandlerAnswersWithLineNumbersFromItsSymbols(bool directory)
    {
        var source = LoadingHarness.Handler("Single", "\"line \" + new System.Diagnostics.StackTrace(true).GetFrame(0)!.GetFileLineNumber()");
        var line = source.Split('\n').ToList().FindIndex(l => l.Contains("StackTrace", StringComparison.Ordinal)) + 1;
        var single = TestCompiler.Compile("single", source);
        var bundle = directory
            ? FunctionBundle.FromDirectory(_harness.WriteBundle("single", [single]), "single.dll")
            : FunctionBundle.FromImage(single.Image, single.Symbols);

        var result = await _harness.LoadAsync(new FunctionVersion("single", "7"), bundle);

        Assert.True(result.Succeeded, string.Join(" ", result.Errors));
        Assert.Equal($"line {line}", await _harness.FetchTextAsync(result.Function));
        Assert.Equal("edge:single@7", AssemblyLoadContext.GetLoadContext(result.Function.Handler.GetType().Assembly)!.Name);
        await result.Function.UnloadAsync();
    }

    [Fact]
    public async Task LoadAsync_RidSpecificAssemblyInRuntimesFolder_WinsOverThePortableCopy()
    {
        var portable = TestCompiler.Compile("Greeting", "namespace Greetings; public static class Greeter { public static string Greet() => \"portable\"; }");
        var unix = TestCompiler.Compile("Greeting", "namespace Greetings; public static class Greeter { public static string Greet() => \"unix\"; }");
        var tooNew = TestCompiler.Compile("Greeting", "namespace Greetings; public static class Greeter { public static string Greet() => \"a newer .NET\"; }");
        var hello = TestCompiler.Compile("hello", LoadingHarness.Handler("Hello", "Greetings.Greeter.Greet()"), [portable]);
        var bundle = _harness.WriteBundle(
            "rid",
            [hello, portable],
            ("runtimes/unix/lib/net8.0/Greeting.dll", unix.Image),
            ("runtimes/unix/lib/netstandard2.0/Greeting.dll", portable.Image),
            ("runtimes/unix/lib/net99.0/Greeting.dll", tooNew.Image),
            ("runtimes/win/lib/net8.0/Greeting.dll", portable.Image));

        var result = await _harness.LoadAsync(new FunctionVersion("hello", "rid"), FunctionBundle.FromDirectory(bundle, "hello.dll"));

        Assert.True(result.Succeeded, string.Join(" ", result.Errors));
        Assert.Equal(OperatingSystem.IsWindows() ? "portable" : "unix", await _harness.FetchTextAsync(result.Function));
        await result.Function.UnloadAsync();
    }

    [Fact]
    public async Task LoadAsync_TwoVersionsOfOneFunction_LoadSideBySideAndAnswerDifferently()
    {
        var bundles = new List<string>();
        foreach (var version in new[] { "1.0.0.0", "2.0.0.0" })
        {
            var greeting = TestCompiler.Compile("Greeting", Versioned(GreetingSource, version));
            var hello = TestCompiler.Compile("hello", LoadingHarness.Handler("Hello", $"\"v{version[0]}: \" + Greetings.Greeter.Greet(\"you\")"), [greeting]);
            bundles.Add(_harness.WriteBundle("hello-" + version, [hello, greeting]));
        }

        var first = await _harness.LoadAsync(new FunctionVersion("hello", "1"), FunctionBundle.FromDirectory(bundles[0], "hello.dll"));
        var second = await _harness.LoadAsync(new FunctionVersion("hello", "2"), FunctionBundle.FromDirectory(bundles[1], "hello.dll"));

        Assert.True(first.Succeeded && second.Succeeded, string.Join(" ", first.Errors.Concat(second.Errors)));
        Assert.Equal("v1: hello you from Greeting 1.0.0.0", await _harness.FetchTextAsync(first.Function));
        Assert.Equal("v2: hello you from Greeting 2.0.0.0", await _harness.FetchTextAsync(second.Function));
        Assert.Equal("v1: hello you from Greeting 1.0.0.0", await _harness.FetchTextAsync(first.Function));
        Assert.NotSame(first.Function.Handler.GetType(), second.Function.Handler.GetType());
        Assert.Equal(first.Function.Handler.GetType().FullName, second.Function.Handler.GetType().FullName);
        await first.Function.UnloadAsync();
        await second.Function.UnloadAsync();
    }

    [Fact]
    public async Task LoadAsync_AnyFunction_ItsSdkTypesAreTheHosts()
    {
        var source = LoadingHarness.Usings + """
            public sealed class Identity(IEdgeEnv env) : IFetchHandler
            {
                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv e, IFetchContext ctx) =>
                    ValueTask.FromResult(Results.Text(env.FunctionName + " " + env.Vars["Greeting"] + " " + typeof(IFetchHandler).Assembly.Location));
            }
            """;
        var identity = TestCompiler.Compile("identity", source);

        var result = await _harness.LoadAsync(new FunctionVersion("identity", "1"), FunctionBundle.FromImage(identity.Image));

        Assert.True(result.Succeeded, string.Join(" ", result.Errors));
        var handlerType = result.Function.Handler.GetType();
        Assert.Contains(typeof(IFetchHandler), handlerType.GetInterfaces());
        Assert.Same(typeof(IFetchHandler).Assembly, handlerType.GetInterfaces().Single().Assembly);
        Assert.Same(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(handlerType.GetInterfaces().Single().Assembly));
        Assert.Equal($"identity configured {typeof(IFetchHandler).Assembly.Location}", await _harness.FetchTextAsync(result.Function));
        await result.Function.UnloadAsync();
    }

    [Fact]
    public async Task LoadAsync_BundleShipsItsOwnSdkAndExtensions_BindsToTheHostsCopiesAndReportsTheFiles()
    {
        var source = LoadingHarness.Usings + """
            using Microsoft.Extensions.Logging;
            public sealed class Shipped(IEdgeEnv env) : IFetchHandler
            {
                private readonly ILogger _logger = env.LoggerFactory.CreateLogger("shipped");
                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv e, IFetchContext ctx)
                {
                    _logger.LogInformation("fetch");
                    return ValueTask.FromResult(Results.Text(typeof(ILogger).Assembly.Location + "|" + typeof(IFetchHandler).Assembly.Location));
                }
            }
            """;
        var shipped = TestCompiler.Compile("shipped", source);
        var loggingAbstractions = typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location;
        var bundle = _harness.WriteBundle(
            "shipped",
            [shipped],
            ("Edge.Functions.dll", File.ReadAllBytes(typeof(IFetchHandler).Assembly.Location)),
            ("Microsoft.Extensions.Logging.Abstractions.dll", File.ReadAllBytes(loggingAbstractions)));

        var result = await _harness.LoadAsync(new FunctionVersion("shipped", "1"), FunctionBundle.FromDirectory(bundle, "shipped.dll"));

        Assert.True(result.Succeeded, string.Join(" ", result.Errors));
        Assert.Equal(["Edge.Functions.dll", "Microsoft.Extensions.Logging.Abstractions.dll"], result.IgnoredFiles);
        Assert.Equal($"{loggingAbstractions}|{typeof(IFetchHandler).Assembly.Location}", await _harness.FetchTextAsync(result.Function));
        Assert.Equal(["shipped"], AssemblyLoadContext.GetLoadContext(result.Function.Handler.GetType().Assembly)!.Assemblies.Select(a => a.GetName().Name));
        Assert.Contains("not loaded: Edge.Functions.dll, Microsoft.Extensions.Logging.Abstractions.dll", Assert.Single(_harness.Log.With(81)).Message, StringComparison.Ordinal);
        await result.Function.UnloadAsync();
    }

    [Fact]
    public async Task LoadAsync_BundleDeletedAndReplacedWhileLoaded_NoFileHeldAndItStillAnswers()
    {
        Assert.True(OperatingSystem.IsLinux(), "This test reads /proc/self to see which files the process holds.");
        var greeting = TestCompiler.Compile("Greeting", Versioned(GreetingSource, "1.0.0.0"));
        var hello = TestCompiler.Compile("hello", LoadingHarness.Handler("Hello", "Greetings.Greeter.Greet(\"after\")"), [greeting]);
        var bundle = _harness.WriteBundle("held", [hello, greeting]);

        var result = await _harness.LoadAsync(new FunctionVersion("hello", "held"), FunctionBundle.FromDirectory(bundle, "hello.dll"));

        Assert.True(result.Succeeded, string.Join(" ", result.Errors));
        Assert.Empty(FilesHeldUnder(bundle));

        // Gone, then replaced by other content, before the handler first needs its private dependency.
        Directory.Delete(bundle, recursive: true);
        _harness.WriteBundle("held", [TestCompiler.Compile("hello", LoadingHarness.Handler("Other", "\"replaced\""))]);

        Assert.Equal("hello after from Greeting 1.0.0.0", await _harness.FetchTextAsync(result.Function));
        Assert.Empty(FilesHeldUnder(bundle));
        await result.Function.UnloadAsync();
    }

    [Fact]
    public async Task LoadAsync_NativeLibraryInRuntimesFolder_LoadedFromAPrivateCopy()
    {
        Assert.True(OperatingSystem.IsLinux(), "This test loads the runtime's libSystem.Native.so under another name.");
        var source = LoadingHarness.Usings + """
            using System.Runtime.InteropServices;
            public sealed partial class Native : IFetchHandler
            {
                [DllImport("edgetestnative")]
                private static extern int SystemNative_GetPid();
                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                    ValueTask.FromResult(Results.Text("pid " + SystemNative_GetPid()));
            }
            """;
        var native = TestCompiler.Compile("native", source);
        var library = Path.Join(RuntimeEnvironment.GetRuntimeDirectory(), "libSystem.Native.so");
        var rid = NativeLibraryNames.RuntimeIdentifiers[0];
        var bundle = _harness.WriteBundle("native", [native], ($"runtimes/{rid}/native/libedgetestnative.so", File.ReadAllBytes(library)));

        var result = await _harness.LoadAsync(new FunctionVersion("native", "1"), FunctionBundle.FromDirectory(bundle, "native.dll"));

        Assert.True(result.Succeeded, string.Join(" ", result.Errors));
        Assert.Equal($"pid {Environment.ProcessId}", await _harness.FetchTextAsync(result.Function));
        Assert.Empty(FilesHeldUnder(bundle));
        Assert.Contains(FilesHeldUnder(_harness.NativeRoot), f => f.EndsWith("/libedgetestnative.so", StringComparison.Ordinal));
        Assert.Contains("1 native libraries", Assert.Single(_harness.Log.With(80)).Message, StringComparison.Ordinal);
        await result.Function.UnloadAsync();
    }

    [Fact]
    public async Task LoadAsync_BuiltAgainstANewerMinorSdk_LoadsWithAWarning()
    {
        var sdk = FakeSdk("1.1.0.0");
        var function = TestCompiler.Compile("minor", LoadingHarness.Handler("Minor", "\"runs on the host's SDK\""), [sdk], instead: ["Edge.Functions"]);

        var result = await _harness.LoadAsync(new FunctionVersion("minor", "1"), FunctionBundle.FromImage(function.Image));

        Assert.True(result.Succeeded, string.Join(" ", result.Errors));
        Assert.Equal(
            $"the compiled image is built against Edge.Functions 1.1.0.0, newer than the host's {HostAssemblies.SdkVersion}: it runs, but members added after 1.0 fail when called (MissingMethodException).",
            Assert.Single(result.Warnings));
        Assert.Equal("runs on the host's SDK", await _harness.FetchTextAsync(result.Function));
        Assert.Single(_harness.Log.With(82));
        await result.Function.UnloadAsync();
    }

    [Fact]
    public async Task LoadAsync_BuiltAgainstANewerMajorSdk_RefusedNamingBothVersions()
    {
        var sdk = FakeSdk("2.0.0.0");
        var function = TestCompiler.Compile("major", LoadingHarness.Handler("Major", "\"never\""), [sdk], instead: ["Edge.Functions"]);
        var bundle = _harness.WriteBundle("major", [function], ("Edge.Functions.dll", sdk.Image));

        var result = await _harness.LoadAsync(new FunctionVersion("major", "1"), FunctionBundle.FromDirectory(bundle, "major.dll"));

        Assert.Equal(FunctionLoadError.SdkTooNew, result.Error);
        Assert.Equal(
            [$"major.dll is built against Edge.Functions 2.0.0.0; this host has Edge.Functions {HostAssemblies.SdkVersion} and runs functions built against SDK 1.x: build against Edge.Functions 1.x, or deploy to a host with SDK 2."],
            result.Errors);
        Assert.Equal(["Edge.Functions.dll"], result.IgnoredFiles);
        Assert.Contains("(SdkTooNew)", Assert.Single(_harness.Log.With(83)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_ReferencesANewerMajorOfAHostDependency_Refused()
    {
        var yaml = TestCompiler.Compile("YamlDotNet", Versioned("namespace YamlDotNet; public static class Fake { public static string Text => \"fake\"; }", "99.0.0.0"));
        var function = TestCompiler.Compile("yaml", LoadingHarness.Handler("Yaml", "YamlDotNet.Fake.Text"), [yaml], instead: ["YamlDotNet"]);
        var bundle = _harness.WriteBundle("yaml", [function, yaml]);

        var result = await _harness.LoadAsync(new FunctionVersion("yaml", "1"), FunctionBundle.FromDirectory(bundle, "yaml.dll"));

        Assert.Equal(FunctionLoadError.HostAssemblyTooOld, result.Error);
        var hostYaml = typeof(YamlDotNet.Serialization.Deserializer).Assembly.GetName().Version;
        Assert.Equal(
            [$"yaml.dll references YamlDotNet 99.0.0.0, but the host has YamlDotNet {hostYaml}: a function always uses the host's copy of an assembly the host has, so build it against that version (the host runs .NET {Environment.Version.Major})."],
            result.Errors);
        Assert.Equal(["YamlDotNet.dll"], result.IgnoredFiles);
    }

    /// <summary>A stand-in for a future SDK: the same handler contract under another assembly version.</summary>
    private static TestCompiler.Compiled FakeSdk(string version) => TestCompiler.Compile(
        "Edge.Functions",
        Versioned(
            """
            namespace Edge.Functions
            {
                public interface IEdgeEnv { string FunctionName { get; } }
                public interface IFetchContext { }
                public interface IFetchHandler
                {
                    System.Threading.Tasks.ValueTask<Microsoft.AspNetCore.Http.IResult> FetchAsync(Microsoft.AspNetCore.Http.HttpRequest request, IEdgeEnv env, IFetchContext ctx);
                }
            }
            """,
            version),
        instead: ["Edge.Functions"]);

    internal static string Versioned(string source, string version) =>
        $"[assembly: System.Reflection.AssemblyVersion(\"{version}\")]\n" + source;

    /// <summary>Files under <paramref name="directory"/> the process has open (/proc/self/fd) or mapped (/proc/self/maps).</summary>
    internal static List<string> FilesHeldUnder(string directory)
    {
        var prefix = Path.GetFullPath(directory) + "/";
        var open = new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos().Select(TargetOf).OfType<string>();
        var mapped = File.ReadAllLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(p => p.Length >= 6).Select(p => p[5]);
        return open.Concat(mapped).Where(p => p.StartsWith(prefix, StringComparison.Ordinal)).Distinct().ToList();
    }

    private static string? TargetOf(FileSystemInfo link)
    {
        try
        {
            return link.LinkTarget;
        }
        catch (IOException)
        {
            // The descriptor closed between listing and reading it.
            return null;
        }
    }
}
