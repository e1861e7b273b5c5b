using Edge.Functions;
using Edge.RegistryProxy.Tests.Cache;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Edge.RegistryProxy.Tests.Resilience;

/// <summary>
/// An environment for constructing the handler: vars from a dictionary, in-memory bindings, <see cref="HttpVia"/>
/// recording the proxies asked for and answering with <paramref name="via"/> (none: not supported), and the SDK's
/// default <see cref="IEdgeEnv.Meters"/>.
/// </summary>
internal sealed class TestEnv(IReadOnlyDictionary<string, string?> vars, Func<Uri, HttpMessageInvoker>? via = null) : IEdgeEnv, IDisposable
{
    private readonly HttpMessageInvoker _http = new(new ScriptedHandler());

    public List<Uri> ProxiesAskedFor { get; } = [];

    public string FunctionName => "registry";

    public IConfiguration Vars { get; } = new ConfigurationBuilder().AddInMemoryCollection(vars).Build();

    public ISecretStore Secrets => throw new NotSupportedException();

    public HttpMessageInvoker Http => _http;

    public TimeProvider Time { get; } = new FakeTimeProvider();

    public ILoggerFactory LoggerFactory => NullLoggerFactory.Instance;

    public string ScratchDirectory => Path.GetTempPath();

    public HttpMessageInvoker HttpVia(Uri proxy)
    {
        ProxiesAskedFor.Add(proxy);
        return via is null ? throw new NotSupportedException("no proxies here") : via(proxy);
    }

    public IKeyValueStore KeyValue(string binding) => new InMemoryKeyValueStore();

    public IObjectBucket Bucket(string binding) => new InMemoryBucket();

    public void Dispose() => _http.Dispose();
}
