using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Edge.Functions;
using Edge.Host.Configuration;
using Edge.Host.Deploy.Loading;
using Edge.Host.Hosting;
using Edge.Tests.Shared;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Edge.Host.Tests.Deploy.Loading;

/// <summary>
/// The loader with what it runs in: a temp directory for bundles and native copies, the host's real environment
/// (<see cref="EdgeEnv"/>) and fetch context, a recording log, and a way to run a request through a loaded handler and
/// its returned result the way the dispatcher does.
/// </summary>
internal sealed class LoadingHarness : IDisposable
{
    public const string Usings = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Edge.Functions;
        using Microsoft.AspNetCore.Http;

        """;

    private readonly ILoggerFactory _loggerFactory;
    private readonly HttpMessageInvoker _http = new(new SocketsHttpHandler());
    private readonly ProxiedInvokers _proxied = new(new OutboundHttpOptions());
    private readonly BackgroundWork _background = new(NullLogger<BackgroundWork>.Instance);
    private readonly ServiceProvider _services = new ServiceCollection().AddLogging().BuildServiceProvider();

    public LoadingHarness()
    {
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(Log).SetMinimumLevel(LogLevel.Trace));
        Loader = new FunctionVersionLoader(Temp.Combine("native"), TimeProvider.System, _loggerFactory.CreateLogger<FunctionVersionLoader>());
    }

    public TempDirectory Temp { get; } = new();

    public RecordingLoggerProvider Log { get; } = new();

    public FunctionVersionLoader Loader { get; }

    public string NativeRoot => Temp.Combine("native");

    /// <summary>A handler source: one class answering <paramref name="expression"/> as text.</summary>
    public static string Handler(string className, string expression, string members = "") => Usings + $$"""
        public sealed class {{className}} : IFetchHandler
        {
            {{members}}
            public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                ValueTask.FromResult(Results.Text({{expression}}));
        }
        """;

    public EdgeEnv Env(string function) => new(
        function,
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Greeting"] = "configured", ["Mode"] = "Second" }).Build(),
        new ConfigurationSecretStore(new Dictionary<string, string>()),
        new Dictionary<string, IKeyValueStore>(),
        new Dictionary<string, IObjectBucket>(),
        _http,
        _proxied,
        TimeProvider.System,
        _loggerFactory,
        new NullMeterFactory(),
        Temp.Combine("scratch", function));

    public Task<FunctionLoadResult> LoadAsync(FunctionVersion version, FunctionBundle bundle, string? handlerType = null) =>
        Loader.LoadAsync(version, bundle, Env(version.Function), handlerType);

    /// <summary>Writes a bundle directory of <paramref name="assemblies"/> (with their PDBs) and extra files.</summary>
    public string WriteBundle(string name, IEnumerable<TestCompiler.Compiled> assemblies, params (string Path, byte[] Bytes)[] files)
    {
        var directory = Temp.Combine("bundles", name);
        Directory.CreateDirectory(directory);
        foreach (var assembly in assemblies)
        {
            File.WriteAllBytes(Path.Join(directory, assembly.Name + ".dll"), assembly.Image);
            File.WriteAllBytes(Path.Join(directory, assembly.Name + ".pdb"), assembly.Symbols);
        }

        foreach (var (path, bytes) in files)
        {
            var full = Path.Join(directory, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, bytes);
        }

        return directory;
    }

    /// <summary>Runs one GET through the handler and executes its result against a <see cref="DefaultHttpContext"/>, as
    /// the dispatcher does; returns the status and body.</summary>
    public async Task<(int Status, string Body)> FetchAsync(LoadedFunctionVersion function, string path = "/")
    {
        var context = new DefaultHttpContext { RequestServices = _services };
        context.Request.Method = "GET";
        context.Request.Path = path;
        using var body = new MemoryStream();
        context.Response.Body = body;
        var fetch = new FetchContext(NullLogger.Instance, new ClientInfo(IPAddress.Loopback, "http", "localhost"), _background, CancellationToken.None);
        var result = await function.Handler.FetchAsync(context.Request, Env(function.Version.Function), fetch);
        await result.ExecuteAsync(context);
        return (context.Response.StatusCode, Encoding.UTF8.GetString(body.ToArray()));
    }

    public async Task<string> FetchTextAsync(LoadedFunctionVersion function, string path = "/")
    {
        var (status, body) = await FetchAsync(function, path);
        Assert.Equal(200, status);
        return body;
    }

    public void Dispose()
    {
        _services.Dispose();
        _background.Dispose();
        _proxied.Dispose();
        _http.Dispose();
        _loggerFactory.Dispose();
        Temp.Dispose();
    }

    private sealed class NullMeterFactory : IMeterFactory
    {
        public Meter Create(MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }
}
