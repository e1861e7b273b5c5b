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
    TimeProvider time,
    ILoggerFactory loggerFactory,
    string scratchDirectory) : IEdgeEnv
{
    public string FunctionName => functionName;

    public IConfiguration Vars => vars;

    public ISecretStore Secrets => secrets;

    public HttpMessageInvoker Http => http;

    public TimeProvider Time => time;

    public ILoggerFactory LoggerFactory => loggerFactory;

    public string ScratchDirectory => scratchDirectory;

    public IKeyValueStore KeyValue(string binding) =>
        keyValue.TryGetValue(binding, out var store)
            ? store
            : throw new KeyNotFoundException($"Function '{functionName}' has no key-value binding named '{binding}'. Add Functions:{functionName}:KeyValue:{binding}.");

    public IObjectBucket Bucket(string binding) =>
        buckets.TryGetValue(binding, out var bucket)
            ? bucket
            : throw new KeyNotFoundException($"Function '{functionName}' has no bucket binding named '{binding}'. Add Functions:{functionName}:Buckets:{binding}.");
}
