using Edge.Host.Configuration;

namespace Edge.Host.Cli.Client;

/// <summary>
/// Where the CLI finds the host and its admin token: flags, then the environment (<c>EDGE_HOST</c>, <c>EDGE_TOKEN</c>,
/// <c>EDGE_TOKEN_FILE</c>), then the config file (<c>$EDGE_CONFIG</c> or <c>~/.config/edge/cli.yaml</c>: <c>host</c>,
/// <c>token</c>, <c>tokenFile</c>), then <c>http://127.0.0.1:5000</c>. The token is never taken from the command line,
/// where every user of the machine can read it.
/// </summary>
internal sealed record ClientSettings(Uri Host, string? Token)
{
    public const string DefaultHost = "http://127.0.0.1:5000";

    public static ClientSettings? Resolve(string? hostFlag, string? tokenFileFlag, Func<string, string?> environment, List<string> errors)
    {
        var file = LoadFile(environment, errors);
        var hostText = hostFlag ?? environment("EDGE_HOST") ?? file.GetValueOrDefault("host") ?? DefaultHost;
        if (!Uri.TryCreate(hostText, UriKind.Absolute, out var host) || host.Scheme is not ("http" or "https"))
        {
            errors.Add($"The host '{hostText}' is not an http:// or https:// URL.");
            return null;
        }

        string? token = null;
        var tokenFile = tokenFileFlag ?? environment("EDGE_TOKEN_FILE");
        if (tokenFile is not null)
        {
            token = ReadTokenFile(tokenFile, errors);
        }
        else
        {
            token = environment("EDGE_TOKEN") ?? file.GetValueOrDefault("token")
                ?? (file.GetValueOrDefault("tokenfile") is { } configured ? ReadTokenFile(configured, errors) : null);
        }

        return errors.Count > 0 ? null : new ClientSettings(host, string.IsNullOrWhiteSpace(token) ? null : token.Trim());
    }

    private static string? ReadTokenFile(string path, List<string> errors)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add($"The token file '{path}' could not be read: {ex.Message}");
            return null;
        }
    }

    private static Dictionary<string, string?> LoadFile(Func<string, string?> environment, List<string> errors)
    {
        var path = environment("EDGE_CONFIG")
            ?? Path.Combine(environment("XDG_CONFIG_HOME") ?? Path.Combine(environment("HOME") ?? ".", ".config"), "edge", "cli.yaml");
        if (!File.Exists(path))
        {
            return new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        }

        try
        {
            using var stream = File.OpenRead(path);
            return YamlConfigurationProvider.Parse(stream);
        }
        catch (FormatException ex)
        {
            errors.Add($"The CLI config file '{path}': {ex.Message}");
            return new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        }
    }
}
