using System.Diagnostics.Metrics;
using Edge.Host.Configuration;
using Edge.Host.Deploy.Compilation;
using Edge.Host.Hosting;
using Edge.Functions;
using Edge.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Edge.Host.Tests.Deploy.Compilation;

/// <summary>
/// One compiler for the compile tests, reading the refs/ folder the build copied into this test project's output (so
/// the tests also prove that the folder flows to a project referencing the host), and a real host environment for the
/// handlers they load.
/// </summary>
public sealed class CompilerFixture : IDisposable
{
    private readonly ProxiedInvokers _proxied = new(new OutboundHttpOptions());
    private readonly HttpMessageInvoker _http = new(new SocketsHttpHandler());
    private readonly ServiceProvider _services = new ServiceCollection().AddLogging().AddMetrics().BuildServiceProvider();

    public CompilerFixture()
    {
        Compiler = new SourceCompiler(new SourceCompilerOptions(), TimeProvider.System, new LoggerAdapter(Log));
        Env = new EdgeEnv(
            "hello",
            new ConfigurationBuilder().AddInMemoryCollection([new("Greeting", "Hello")]).Build(),
            new ConfigurationSecretStore(new Dictionary<string, string>()),
            new Dictionary<string, IKeyValueStore>(),
            new Dictionary<string, IObjectBucket>(),
            _http,
            _proxied,
            TimeProvider.System,
            NullLoggerFactory.Instance,
            _services.GetRequiredService<IMeterFactory>(),
            Path.GetTempPath());
    }

    internal ListLogger Log { get; } = new();

    internal SourceCompiler Compiler { get; }

    internal IEdgeEnv Env { get; }

    /// <summary>What a request's <c>RequestServices</c> needs for results to execute (their loggers).</summary>
    internal IServiceProvider Services => _services;

    public void Dispose()
    {
        _services.Dispose();
        _http.Dispose();
        _proxied.Dispose();
    }
}
