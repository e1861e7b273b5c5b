using Edge.Functions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Edge.HttpProxy.Tests;

/// <summary>The handler called directly, with a minimal environment and a DefaultHttpContext (no server).</summary>
public sealed class HandlerTests
{
    [Fact]
    public async Task FetchAsync_PlainConnect_405WithoutContactingTheOrigin()
    {
        using var env = new Env("http://127.0.0.1:9");
        var handler = new HttpProxyHandler(env);
        var context = new DefaultHttpContext();
        context.Request.Method = "CONNECT";
        context.Request.Host = new HostString("example.com:443");
        context.Response.Body = new MemoryStream();

        var result = await handler.FetchAsync(context.Request, env, new Context());
        Assert.False(context.Response.HasStarted);
        await result.ExecuteAsync(context);

        Assert.Equal(StatusCodes.Status405MethodNotAllowed, context.Response.StatusCode);
        Assert.Equal(0, env.Requests);
    }

    [Fact]
    public void Constructor_BadVars_FunctionConfigurationExceptionListsEach()
    {
        using var env = new Env("ftp://x", ("HostHeader", "a b"));

        var ex = Assert.Throws<FunctionConfigurationException>(() => new HttpProxyHandler(env));

        Assert.Equal(2, ex.Errors.Count);
    }

    private sealed class Env : IEdgeEnv, IDisposable
    {
        private readonly CountingHandler _handler = new();

        public Env(string origin, params (string Key, string Value)[] vars)
        {
            var values = new Dictionary<string, string?> { ["Origin"] = origin };
            foreach (var (key, value) in vars)
            {
                values[key] = value;
            }

            Vars = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
            Http = new HttpMessageInvoker(_handler);
        }

        public int Requests => _handler.Requests;

        public string FunctionName => "app";

        public IConfiguration Vars { get; }

        public ISecretStore Secrets => throw new NotSupportedException();

        public HttpMessageInvoker Http { get; }

        public TimeProvider Time => TimeProvider.System;

        public ILoggerFactory LoggerFactory => NullLoggerFactory.Instance;

        public string ScratchDirectory => Path.GetTempPath();

        public IKeyValueStore KeyValue(string binding) => throw new KeyNotFoundException(binding);

        public IObjectBucket Bucket(string binding) => throw new KeyNotFoundException(binding);

        public void Dispose() => Http.Dispose();
    }

    private sealed class CountingHandler : HttpMessageHandler
    {
        private int _requests;

        public int Requests => _requests;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK));
        }
    }

    private sealed class Context : IFetchContext
    {
        public CancellationToken Aborted => CancellationToken.None;

        public ILogger Logger => NullLogger.Instance;

        public ClientInfo Client { get; } = new(System.Net.IPAddress.Loopback, "http", "example.com:443");

        public void WaitUntil(Task work)
        {
        }

        public void WaitUntil(Func<CancellationToken, Task> work)
        {
        }
    }
}
