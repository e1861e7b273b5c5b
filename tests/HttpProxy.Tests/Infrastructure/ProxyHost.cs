using Edge.Functions;
using Edge.Host.Hosting;
using Edge.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Edge.HttpProxy.Tests.Infrastructure;

/// <summary>
/// The real edge host, in process, on 127.0.0.1:0, serving one function <c>web</c> = <c>builtin:http-proxy</c> for
/// every host (the registry proxy is switched off), with a temp data directory. Optionally on HTTPS (HTTP/2 by ALPN)
/// with a certificate from a test CA, and with the handler on a fake clock.
/// </summary>
internal sealed class ProxyHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _directory;

    private ProxyHost(WebApplication app, string directory, Uri url)
    {
        _app = app;
        _directory = directory;
        Url = url;
    }

    public Uri Url { get; }

    public static Dictionary<string, string?> Settings(string directory, string? origin, params (string Key, string? Value)[] vars)
    {
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Edge:DataDirectory"] = Path.Join(directory, "data"),
            ["Functions:registry:Enabled"] = "false",
            ["Functions:web:Handler"] = "builtin:http-proxy",
            ["Functions:web:Routes:0"] = "*",
            ["Functions:web:Vars:Origin"] = origin,
        };
        foreach (var (key, value) in vars)
        {
            settings[key.Contains(':', StringComparison.Ordinal) ? key : "Functions:web:Vars:" + key] = value;
        }

        return settings;
    }

    public static string NewDirectory()
    {
        var directory = Path.Join(Path.GetTempPath(), "edge-http-proxy-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }

    public static Task<ProxyHost> StartAsync(string origin, params (string Key, string? Value)[] vars) =>
        StartAsync(origin, null, null, vars);

    /// <summary>The host with <c>builtin:http-proxy</c> reading <paramref name="time"/> (when given) as its clock, and
    /// listening on HTTPS with a certificate for 127.0.0.1 issued by <paramref name="authority"/> (when given).</summary>
    public static async Task<ProxyHost> StartAsync(string origin, TimeProvider? time, TestCertificateAuthority? authority, params (string Key, string? Value)[] vars)
    {
        var directory = NewDirectory();
        var settings = Settings(directory, origin, vars);
        if (authority is not null)
        {
            using var certificate = authority.Issue("localhost");
            var (certificatePath, keyPath) = TestCertificateAuthority.WritePem(certificate, directory, "proxy");
            settings["urls"] = "https://127.0.0.1:0";
            settings["Edge:Certificates:0:CertificatePath"] = certificatePath;
            settings["Edge:Certificates:0:KeyPath"] = keyPath;
        }

        Dictionary<string, Func<IEdgeEnv, IFetchHandler>>? handlers = time is null
            ? null
            : new() { ["http-proxy"] = env => new HttpProxyHandler(new ClockEnv(env, time)) };
        var app = EdgeApplication.Build(null, [], settings, handlers);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ProxyHost(app, directory, new Uri(address));
    }

    public Uri At(string pathAndQuery) => new(Url, pathAndQuery);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory must not fail a test that passed.
        }
    }
}
