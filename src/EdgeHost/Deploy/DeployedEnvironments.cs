using System.Diagnostics.Metrics;
using Edge.Functions;
using Edge.Host.Deploy.Versions;
using Edge.Host.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Deploy;

/// <summary>
/// The environment (<see cref="IEdgeEnv"/>) of a deployed version: its vars and secrets, its bindings resolved against
/// the host's buckets and key-value store exactly as for a configured function, the host's outbound HTTP, clock,
/// loggers and meters, and a scratch directory of its own.
/// </summary>
internal sealed class DeployedEnvironments(
    string dataDirectory,
    BindingProvider bindings,
    HttpMessageInvoker http,
    ProxiedInvokers proxied,
    TimeProvider time,
    ILoggerFactory loggerFactory,
    IMeterFactory meters)
{
    /// <summary>The environment of <paramref name="version"/>, or null with the reasons (a bucket the host lacks).</summary>
    public EdgeEnv? Create(FunctionVersion version, IReadOnlyDictionary<string, string> secrets, List<string> errors)
    {
        var manifest = version.Manifest;
        var buckets = new Dictionary<string, IObjectBucket>(StringComparer.Ordinal);
        foreach (var (binding, bucketName) in manifest.Buckets)
        {
            if (bindings.TryGetBucket(bucketName, out var bucket, out var error))
            {
                buckets[binding] = bucket!;
            }
            else
            {
                errors.Add($"Buckets:{binding}: {error}");
            }
        }

        if (errors.Count > 0)
        {
            return null;
        }

        var keyValue = manifest.KeyValue.ToDictionary(kv => kv.Key, kv => bindings.GetKeyValue(kv.Value), StringComparer.Ordinal);
        var scratch = Path.Combine(Path.GetFullPath(dataDirectory), "scratch", $"{version.Function}-{version.Id}");
        if (Directory.Exists(scratch))
        {
            Directory.Delete(scratch, recursive: true);
        }

        Directory.CreateDirectory(scratch);
        var vars = new ConfigurationBuilder().AddInMemoryCollection(manifest.Vars.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value))).Build();
        return new EdgeEnv(version.Function, vars, new ConfigurationSecretStore(secrets), keyValue, buckets, http, proxied, time, loggerFactory, meters, scratch);
    }
}
