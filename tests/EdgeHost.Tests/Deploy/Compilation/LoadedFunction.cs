using System.Net;
using System.Runtime.Loader;
using System.Text;
using Edge.Functions;
using Edge.Host.Deploy.Compilation;
using Edge.Host.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Edge.Host.Tests.Deploy.Compilation;

/// <summary>
/// A compiled function loaded the way the host's loader does it: into a collectible load context of its own, with the
/// SDK and the framework shared from the default context, then constructed as the host constructs handlers.
/// </summary>
internal sealed class LoadedFunction : IDisposable
{
    private readonly AssemblyLoadContext _context;
    private readonly BackgroundWork _background = new(NullLogger<BackgroundWork>.Instance);

    private LoadedFunction(AssemblyLoadContext context, IFetchHandler handler)
    {
        _context = context;
        Handler = handler;
    }

    public IFetchHandler Handler { get; }

    public static LoadedFunction Load(CompiledFunction function, IEdgeEnv env)
    {
        var context = new AssemblyLoadContext("test:" + function.AssemblyName, isCollectible: true);
        using var image = function.OpenImage();
        using var pdb = function.OpenPdb();
        var assembly = context.LoadFromStream(image, pdb);
        var type = assembly.GetType(function.HandlerTypeName, throwOnError: true)!;
        var handler = function.HandlerTakesEnvironment ? Activator.CreateInstance(type, env) : Activator.CreateInstance(type);
        return new LoadedFunction(context, (IFetchHandler)handler!);
    }

    /// <summary>Calls FetchAsync as the dispatcher does, executes the returned result and reads the response.</summary>
    public async Task<(int Status, string? ContentType, string Body)> FetchAsync(IEdgeEnv env, IServiceProvider services, string path = "/")
    {
        var http = new DefaultHttpContext { RequestServices = services };
        http.Request.Method = "GET";
        http.Request.Path = path;
        using var body = new MemoryStream();
        http.Response.Body = body;
        var ctx = new FetchContext(NullLogger.Instance, new ClientInfo(IPAddress.Loopback, "http", "hello.test"), _background, CancellationToken.None);

        var result = await Handler.FetchAsync(http.Request, env, ctx);
        await result.ExecuteAsync(http);

        return (http.Response.StatusCode, http.Response.ContentType, Encoding.UTF8.GetString(body.ToArray()));
    }

    public void Dispose()
    {
        _background.Dispose();
        _context.Unload();
    }
}
