using System.Diagnostics.Metrics;
using Edge.Functions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Hosting;

/// <summary>The host's implementation of a function's environment.</summary>
internal sealed class EdgeEnv(
    string functionName,
    IConfiguration vars,
    ISecretStore secrets,
    IReadOnlyDictionary<string, IKeyValueStore> keyValue,
    IReadOnlyDictionary<string, IObjectBucket> buckets,
    HttpMessageInvoker http,
    ProxiedInvokers proxied,
    TimeProvider time,
    ILoggerFactory loggerFactory,
    IMeterFactory meters,
    string scratchDirectory) : IEdgeEnv
{
    public string FunctionName => functionName;

    public IConfiguration Vars => vars;

    public ISecretStore Secrets => secrets;

    public HttpMessageInvoker Http => http;

    public TimeProvider Time => time;

    public ILoggerFactory LoggerFactory => loggerFactory;

    /// <summary>The host's own factory: <c>/_edge/metrics</c> selects meters created by it (see AdminSetup).</summary>
    public IMeterFactory Meters => meters;

    public string ScratchDirectory => scratchDirectory;

    public HttpMessageInvoker HttpVia(Uri proxy) => proxied.Get(proxy);

    public IKeyValueStore KeyValue(string binding) =>
        keyValue.TryGetValue(binding, out var store)
            ? store
            : throw new KeyNotFoundException($"Function '{functionName}' has no key-value binding named '{binding}'. Add Functions:{functionName}:KeyValue:{binding}.");

    public IObjectBucket Bucket(string binding) =>
        buckets.TryGetValue(binding, out var bucket)
            ? bucket
            : throw new KeyNotFoundException($"Function '{functionName}' has no bucket binding named '{binding}'. Add Functions:{functionName}:Buckets:{binding}.");
}
