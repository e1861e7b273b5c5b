using Edge.Functions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Edge.HttpProxy.Tests.Infrastructure;

/// <summary>The host's environment with another clock (a FakeTimeProvider the test advances).</summary>
internal sealed class ClockEnv(IEdgeEnv inner, TimeProvider time) : IEdgeEnv
{
    public string FunctionName => inner.FunctionName;

    public IConfiguration Vars => inner.Vars;

    public ISecretStore Secrets => inner.Secrets;

    public HttpMessageInvoker Http => inner.Http;

    public TimeProvider Time => time;

    public ILoggerFactory LoggerFactory => inner.LoggerFactory;

    public string ScratchDirectory => inner.ScratchDirectory;

    public IKeyValueStore KeyValue(string binding) => inner.KeyValue(binding);

    public IObjectBucket Bucket(string binding) => inner.Bucket(binding);
}
