using System.Globalization;
using System.Net;
using Edge.Tunnel.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Hosting;

/// <summary>
/// <c>edge access</c>: a local listener (loopback only) whose every request reaches one private tunnel hostname
/// through the relay, carrying the access token. <c>/_edge/health</c> answers locally (the relay answers that path
/// itself for every host, so nothing behind the tunnel is hidden by it).
/// </summary>
internal static class AccessApplication
{
    public const string SectionName = "Access";

    /// <summary>The default listen address: loopback, the port next to the relay's default 8080.</summary>
    public const string DefaultListen = "127.0.0.1:8081";

    /// <summary>The environment variable a token may come from.</summary>
    public const string TokenVariable = "EDGE_ACCESS_TOKEN";

    public static WebApplication Build(
        string? configFile,
        string[] overrideArgs,
        IReadOnlyDictionary<string, string?>? overrides = null,
        Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        var config = builder.Configuration;
        config.Sources.Clear();
        EdgeApplication.AddConfigurationSources(config, configFile, overrideArgs, overrides);

        var errors = new List<string>();
        var options = new TunnelAccessOptions();
        var section = config.GetSection(SectionName);
        try
        {
            section.Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            errors.Add($"{SectionName}: {ex.Message}");
        }

        var token = ResolveToken(section, environment, errors);
        options.Token = token ?? "";
        foreach (var error in options.Validate())
        {
            if (!error.StartsWith("Token", StringComparison.Ordinal))
            {
                var flag = error.StartsWith("RelayUri", StringComparison.Ordinal) ? " (--relay URL)"
                    : error.StartsWith("Hostname", StringComparison.Ordinal) ? " (--hostname HOST)"
                    : "";
                errors.Add($"{SectionName}:{error}{flag}");
            }
            else if (token is { Length: > 0 })
            {
                // A missing or unreadable token was reported by ResolveToken already.
                errors.Add($"{SectionName}: the access token must be printable ASCII without spaces");
            }
        }

        var listen = ParseListen(section["Listen"] ?? DefaultListen, errors);
        if (config["urls"] is not null)
        {
            errors.Add($"urls: edge access listens on {SectionName}:Listen (--listen HOST:PORT), not urls.");
        }

        if (errors.Count > 0)
        {
            throw new EdgeConfigurationException(errors);
        }

        builder.WebHost.UseSetting(Microsoft.AspNetCore.Hosting.WebHostDefaults.ServerUrlsKey, string.Empty);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (listen!.Address is null)
            {
                kestrel.ListenLocalhost(listen.Port);
            }
            else
            {
                kestrel.Listen(listen.Address, listen.Port);
            }

            // Uploads and downloads of any size and speed pass through.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.AddServerHeader = false;
        });
        EdgeApplication.ConfigureLogging(builder, config);
        builder.Services.AddTunnelAccess(o =>
        {
            o.RelayUri = options.RelayUri;
            o.Hostname = options.Hostname;
            o.Token = options.Token;
            o.ConnectTimeout = options.ConnectTimeout;
        });

        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (context.Request.Path == EdgeDispatcher.HealthPath)
            {
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok\n", context.RequestAborted);
                return;
            }

            await next(context);
        });
        app.UseTunnelAccess();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Edge.Access");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            AccessLog.Started(logger, string.Join(", ", addresses), options.Hostname, options.RelayUri!.GetLeftPart(UriPartial.Authority));
        });
        return app;
    }

    /// <summary>
    /// The token, from (first found) <c>Access:TokenFile</c> (<c>--token-file</c>), <c>EDGE_ACCESS_TOKEN</c>, or
    /// <c>Access:Token</c>. A token file's surrounding whitespace (its final newline) is ignored.
    /// </summary>
    private static string? ResolveToken(IConfigurationSection section, Func<string, string?> environment, List<string> errors)
    {
        if (section["TokenFile"] is { Length: > 0 } file)
        {
            try
            {
                var token = File.ReadAllText(file).Trim();
                if (token.Length == 0)
                {
                    errors.Add($"{SectionName}:TokenFile: '{file}' is empty.");
                }

                return token;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                errors.Add($"{SectionName}:TokenFile: '{file}' could not be read: {ex.Message}");
                return null;
            }
        }

        if (environment(TokenVariable) is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment.Trim();
        }

        if (section["Token"] is { Length: > 0 } fromConfig)
        {
            return fromConfig;
        }

        errors.Add($"{SectionName}: no access token; give it with --token-file PATH, the {TokenVariable} environment variable or {SectionName}:Token in the --config file.");
        return null;
    }

    /// <summary><c>HOST:PORT</c> with a loopback HOST (port 0: any free port): the listener lends the token to
    /// whoever connects, so it never listens beyond this machine.</summary>
    internal static ListenAddress? ParseListen(string text, List<string> errors)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            errors.Add($"{SectionName}:Listen: '{text}' must be HOST:PORT, e.g. {DefaultListen}");
            return null;
        }

        var host = text[..colon];
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            if (port == 0)
            {
                errors.Add($"{SectionName}:Listen: '{text}': localhost needs a fixed port (use 127.0.0.1:0 for any free port)");
                return null;
            }

            return new ListenAddress(null, port);
        }

        var literal = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if ((literal == host && host.Contains(':', StringComparison.Ordinal)) || !IPAddress.TryParse(literal, out var address) || !IPAddress.IsLoopback(address))
        {
            errors.Add($"{SectionName}:Listen: '{text}' must have a loopback HOST (127.0.0.1, [::1] or localhost): whoever connects to it uses the access token");
            return null;
        }

        return new ListenAddress(address, port);
    }

    /// <summary>A loopback listen address; a null <see cref="Address"/> means localhost (IPv4 and IPv6).</summary>
    internal sealed record ListenAddress(IPAddress? Address, int Port);
}

internal static partial class AccessLog
{
    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Edge access listening on {Addresses}; requests reach {Hostname} through the relay {Relay}")]
    public static partial void Started(ILogger logger, string addresses, string hostname, string relay);
}
