using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Edge.IntegrationTests.Infrastructure;

/// <summary>
/// In-process stand-in for Docker Hub's auth service on 127.0.0.1 (its own port): issues ES256 JWTs that CNCF distribution accepts.
/// <c>GET /token?service=&amp;scope=</c> (optional Basic credentials) and <c>POST /token</c> (form, grant_type=password).
/// </summary>
public sealed class TokenServer : IAsyncDisposable
{
    private static readonly string[] PushActions = ["pull", "push"];
    private static readonly string[] PullActions = ["pull"];

    private readonly TokenServerOptions _options;
    private readonly JwtIssuer _issuer = new();
    private readonly TempDirectory _directory = new("edge-token-");
    private readonly List<TokenRequestRecord> _requests = [];
    private readonly Lock _requestsGate = new();
    private WebApplication? _app;

    private TokenServer(TokenServerOptions options)
    {
        _options = options;
        RootCertBundlePath = _directory.Combine("token-signer.pem");
        File.WriteAllText(RootCertBundlePath, _issuer.CertificatePem);
    }

    /// <summary>Base URL, e.g. http://127.0.0.1:40123.</summary>
    public string Url { get; private set; } = string.Empty;

    /// <summary>The realm for the registry's <c>auth.token.realm</c>: <see cref="Url"/> + /token.</summary>
    public string Realm => Url + "/token";

    /// <summary>Token audience (registry <c>auth.token.service</c>).</summary>
    public string Service => _options.Service;

    /// <summary>Token issuer (registry <c>auth.token.issuer</c>).</summary>
    public string Issuer => _options.Issuer;

    /// <summary>PEM file holding the signing certificate (registry <c>auth.token.rootcertbundle</c>).</summary>
    public string RootCertBundlePath { get; }

    /// <summary>The options the server was started with.</summary>
    public TokenServerOptions Options => _options;

    /// <summary>Snapshot of every request served so far, in order.</summary>
    public IReadOnlyList<TokenRequestRecord> Requests
    {
        get
        {
            lock (_requestsGate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Starts the server on 127.0.0.1 and a kernel-chosen free port.</summary>
    public static async Task<TokenServer> StartAsync(TokenServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var server = new TokenServer(options);
        try
        {
            await server.StartCoreAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Registry auth settings pointing at this server.</summary>
    public RegistryTokenAuth RegistryAuth() => new(Realm, Service, Issuer, RootCertBundlePath);

    /// <summary>Mints a token directly (no HTTP) granting exactly the given scopes' actions to <paramref name="subject"/>.</summary>
    public string IssueToken(string subject, IEnumerable<TokenScope> grants)
    {
        ArgumentNullException.ThrowIfNull(grants);
        var now = DateTimeOffset.UtcNow;
        var access = new JsonArray();
        foreach (var grant in grants)
        {
            access.Add(new JsonObject
            {
                ["type"] = grant.Type,
                ["name"] = grant.Name,
                ["actions"] = new JsonArray([.. grant.Actions.Select(a => (JsonNode?)JsonValue.Create(a))]),
            });
        }

        var claims = new JsonObject
        {
            ["iss"] = _options.Issuer,
            ["sub"] = subject,
            ["aud"] = _options.Service,
            ["exp"] = now.AddSeconds(_options.ExpiresInSeconds).ToUnixTimeSeconds(),
            ["nbf"] = now.AddSeconds(-30).ToUnixTimeSeconds(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        };
        return _issuer.Sign(claims);
    }

    /// <summary>A token for the push user with pull and push on <paramref name="repository"/>.</summary>
    public string CreatePushToken(string repository) =>
        IssueToken(_options.PushUser ?? "push-user", [new TokenScope("repository", repository, PushActions)]);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _app.StopAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                // Bounded shutdown.
            }

            await _app.DisposeAsync();
        }

        _issuer.Dispose();
        _directory.Dispose();
    }

    private async Task StartCoreAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapGet("/token", HandleAsync);
        _app.MapPost("/token", HandleAsync);
        await _app.StartAsync();
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var address = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("Token server has no address.");
        var port = new Uri(address).Port;
        Url = "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string kind = "none";
        string? user = null;
        string? password = null;
        string service;
        var scopes = new List<string>();

        if (HttpMethods.IsPost(request.Method))
        {
            if (!request.HasFormContentType)
            {
                await RespondErrorAsync(context, 400, "unsupported_content_type", request.Method, kind, null, string.Empty, scopes);
                return;
            }

            var form = await request.ReadFormAsync(context.RequestAborted);
            service = form["service"].ToString();
            scopes.AddRange(SplitScopes(form["scope"]));
            var grantType = form["grant_type"].ToString();
            if (grantType != "password")
            {
                await RespondErrorAsync(context, 400, "unsupported_grant_type", request.Method, "form", null, service, scopes);
                return;
            }

            kind = "form";
            user = form["username"].ToString();
            password = form["password"].ToString();
        }
        else
        {
            service = request.Query["service"].ToString();
            scopes.AddRange(SplitScopes(request.Query["scope"]));
        }

        if (TryReadBasic(request, out var basicUser, out var basicPassword) && kind == "none")
        {
            kind = "basic";
            user = basicUser;
            password = basicPassword;
        }

        if (user is not null && (!_options.Users.TryGetValue(user, out var expected) || expected != password))
        {
            await RespondErrorAsync(context, 401, "invalid username or password", request.Method, kind, user, service, scopes);
            return;
        }

        var grants = scopes
            .Select(TokenScope.TryParse)
            .OfType<TokenScope>()
            .Select(s => s with { Actions = Allowed(user, s) })
            .Where(s => s.Actions.Count > 0)
            .ToList();
        var token = IssueToken(user ?? string.Empty, grants);
        Record(new TokenRequestRecord(request.Method, kind, user, service, scopes, 200, [.. grants.Select(g => g.ToString())]));
        var body = new JsonObject
        {
            ["token"] = token,
            ["access_token"] = token,
            ["expires_in"] = _options.ExpiresInSeconds,
            ["issued_at"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    private List<string> Allowed(string? user, TokenScope scope)
    {
        if (scope.Type != "repository")
        {
            return [];
        }

        string[] candidates;
        if (user is not null && user == _options.PushUser)
        {
            candidates = PushActions;
        }
        else if (_options.PrivateRepositories.TryGetValue(scope.Name, out var allowedUsers))
        {
            candidates = user is not null && allowedUsers.Contains(user) ? PullActions : [];
        }
        else
        {
            candidates = PullActions;
        }

        return [.. scope.Actions.Where(a => candidates.Contains(a, StringComparer.Ordinal))];
    }

    private async Task RespondErrorAsync(
        HttpContext context, int status, string message, string method, string kind, string? user, string service, List<string> scopes)
    {
        Record(new TokenRequestRecord(method, kind, user, service, scopes, status, []));
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var body = new JsonObject
        {
            ["errors"] = new JsonArray(new JsonObject { ["code"] = status == 401 ? "UNAUTHORIZED" : "DENIED", ["message"] = message }),
        };
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    private void Record(TokenRequestRecord record)
    {
        lock (_requestsGate)
        {
            _requests.Add(record);
        }
    }

    private static IEnumerable<string> SplitScopes(Microsoft.Extensions.Primitives.StringValues values) =>
        values.SelectMany(v => (v ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private static bool TryReadBasic(HttpRequest request, out string user, out string password)
    {
        user = string.Empty;
        password = string.Empty;
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
            var colon = decoded.IndexOf(':');
            if (colon < 0)
            {
                return false;
            }

            user = decoded[..colon];
            password = decoded[(colon + 1)..];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
