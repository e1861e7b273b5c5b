using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Edge.Host.Deploy.Loading;

namespace Edge.Host.Tests.Deploy.Loading;

/// <summary>
/// Retiring versions: a function that used the framework's per-type caches unloads; one that rooted itself in a host
/// type or started a thread that never ends does not, and is reported by name and version, and leaves once released.
/// </summary>
public sealed class FunctionUnloadTests : IDisposable
{
    private readonly LoadingHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task UnloadAsync_CleanFunctionThatUsedFrameworkCaches_UnloadedAndLogged()
    {
        var source = LoadingHarness.Usings + """
            using System.ComponentModel;
            using System.Text.Json;
            using Microsoft.Extensions.Configuration;
            public enum Mode { First, Second }
            public sealed class Options { public string? Greeting { get; set; } public Mode Mode { get; set; } }
            public sealed record Payload(string Function, int Count, Greetings.Item[] Items, Mode Mode);
            public sealed class Clean(IEdgeEnv env) : IFetchHandler
            {
                // The configuration binder converts "Second" to Mode through TypeDescriptor.
                private readonly Options _options = env.Vars.Get<Options>()!;
                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx)
                {
                    // The function's own types through the framework's process-wide caches: System.Text.Json's default
                    // options, ASP.NET Core's JSON options (Results.Json) and TypeDescriptor.
                    var payload = new Payload(env.FunctionName, JsonSerializer.Serialize(new Greetings.Item("a")).Length, [new Greetings.Item("b")], _options.Mode);
                    _ = TypeDescriptor.GetProperties(typeof(Payload));
                    return ValueTask.FromResult(Results.Json(payload));
                }
            }
            """;
        var greeting = TestCompiler.Compile("Greeting", "namespace Greetings; public sealed record Item(string Name);");
        var clean = TestCompiler.Compile("clean", source, [greeting]);
        var bundle = _harness.WriteBundle("clean", [clean, greeting]);
        var result = await _harness.LoadAsync(new FunctionVersion("clean", "3"), FunctionBundle.FromDirectory(bundle, "clean.dll"));
        Assert.True(result.Succeeded, string.Join(" ", result.Errors));
        Assert.Equal("""{"function":"clean","count":12,"items":[{"name":"b"}],"mode":1}""", await _harness.FetchTextAsync(result.Function));
        Assert.Equal("""{"function":"clean","count":12,"items":[{"name":"b"}],"mode":1}""", await _harness.FetchTextAsync(result.Function));
        var loaded = result.Function;

        var unload = await loaded.UnloadAsync();

        Assert.True(unload.Unloaded, unload.ToString());
        Assert.InRange(unload.Collections, 1, 10);
        Assert.Empty(unload.StillLoaded);
        Assert.True(unload.IsCollected);
        Assert.Equal("unloaded", unload.ToString());
        Assert.DoesNotContain(AssemblyLoadContext.All, c => c.Name == "edge:clean@3");
        Assert.Throws<InvalidOperationException>(() => loaded.Handler);
        Assert.Same(unload, await loaded.UnloadAsync());
        Assert.StartsWith("Function clean version 3 unloaded after ", Assert.Single(_harness.Log.With(85)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnloadAsync_NativeLibraryUsed_UnloadedAndItsCopiesRemoved()
    {
        Assert.True(OperatingSystem.IsLinux(), "This test loads the runtime's libSystem.Native.so under another name.");
        var source = LoadingHarness.Usings + """
            using System.Runtime.InteropServices;
            public sealed class Native : IFetchHandler
            {
                [DllImport("edgetestnative2")]
                private static extern int SystemNative_GetPid();
                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                    ValueTask.FromResult(Results.Text("pid " + SystemNative_GetPid()));
            }
            """;
        var library = Path.Join(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "libSystem.Native.so");
        var bundle = _harness.WriteBundle("native", [TestCompiler.Compile("native", source)], ("libedgetestnative2.so", File.ReadAllBytes(library)));
        var result = await _harness.LoadAsync(new FunctionVersion("native", "2"), FunctionBundle.FromDirectory(bundle, "native.dll"));
        Assert.True(result.Succeeded, string.Join(" ", result.Errors));
        Assert.Equal($"pid {Environment.ProcessId}", await _harness.FetchTextAsync(result.Function));
        Assert.Single(Directory.GetDirectories(_harness.NativeRoot));

        var unload = await result.Function.UnloadAsync();

        Assert.True(unload.Unloaded, unload.ToString());
        Assert.Empty(Directory.GetDirectories(_harness.NativeRoot));
    }

    [Fact]
    public async Task UnloadAsync_FunctionRootedInAStaticEventOfAHostType_ReportedByNameAndVersion()
    {
        var members = """
            public Rooted() => Edge.Host.Tests.Deploy.Loading.LoadingHooks.Rooted += OnRooted;
            private void OnRooted(object? sender, EventArgs e) { }
            """;
        var rooted = TestCompiler.Compile("rooted", LoadingHarness.Handler("Rooted", "\"rooted\"", members));
        var result = await _harness.LoadAsync(new FunctionVersion("rooted", "5"), FunctionBundle.FromImage(rooted.Image));
        Assert.True(result.Succeeded, string.Join(" ", result.Errors));
        Assert.Equal("rooted", await _harness.FetchTextAsync(result.Function));

        var unload = await result.Function.UnloadAsync();

        Assert.False(unload.Unloaded);
        Assert.Equal(10, unload.Collections);
        Assert.Equal(["rooted"], unload.StillLoaded);
        Assert.False(unload.IsCollected);
        Assert.Equal("NOT unloaded: something still references its code (rooted still loaded)", unload.ToString());
        var logged = Assert.Single(_harness.Log.With(86));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, logged.Level);
        Assert.StartsWith("Function rooted version 5 did not unload after 10 garbage collections; still loaded: rooted. Something outside it still references its code: a static event", logged.Message, StringComparison.Ordinal);

        // Released, it leaves at the next collections, and the result says so.
        LoadingHooks.Raise();
        LoadingHooks.ClearRooted();
        Assert.True(CollectedWithin(unload, 10), "the context stayed alive after its last root was dropped");
        Assert.Equal("unloaded (late: something held it when it was retired)", unload.ToString());
    }

    [Fact]
    public async Task UnloadAsync_FunctionStartedAThreadThatNeverEnds_ReportedByNameAndVersion()
    {
        var members = """
            public Spinner()
            {
                var thread = new Thread(() => Edge.Host.Tests.Deploy.Loading.LoadingHooks.Release.Wait()) { IsBackground = true, Name = "never ends" };
                Edge.Host.Tests.Deploy.Loading.LoadingHooks.Threads.Enqueue(thread);
                thread.Start();
            }
            """;
        var spinner = TestCompiler.Compile("spinner", LoadingHarness.Handler("Spinner", "\"spinning\"", members));
        var result = await _harness.LoadAsync(new FunctionVersion("spinner", "1"), FunctionBundle.FromImage(spinner.Image));
        Assert.True(result.Succeeded, string.Join(" ", result.Errors));

        var unload = await result.Function.UnloadAsync();

        Assert.False(unload.Unloaded);
        Assert.Equal(["spinner"], unload.StillLoaded);
        Assert.StartsWith("Function spinner version 1 did not unload after 10 garbage collections; still loaded: spinner.", Assert.Single(_harness.Log.With(86)).Message, StringComparison.Ordinal);

        // The thread ends, and the version leaves.
        LoadingHooks.Release.Set();
        while (LoadingHooks.Threads.TryDequeue(out var thread))
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "the test function's thread did not end");
        }

        Assert.True(CollectedWithin(unload, 10), "the context stayed alive after its thread ended");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool CollectedWithin(FunctionUnloadResult unload, int collections)
    {
        for (var i = 0; i < collections && !unload.IsCollected; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        return unload.IsCollected;
    }
}
