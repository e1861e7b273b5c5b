namespace Edge.Host.Cli;

/// <summary>What the command line asked for, separate from how it runs.</summary>
internal sealed record CommandLine(string Command, string? ConfigFile, string[] Overrides, string? Error)
{
    public static readonly string Usage = $"""
        edge: a self-hosted edge runtime; its built-in handler is a Docker registry pull-through proxy.

        Usage:
          edge serve [--config FILE] [--KEY=VALUE ...]   run the host (registry proxy on :5000 by default)
          edge relay [--config FILE] [--KEY=VALUE ...]   run a tunnel relay (public entry and agent endpoint, :8080)
          edge access --relay URL --hostname HOST [--listen 127.0.0.1:8081] [--token-file PATH]
                      [--config FILE] [--KEY=VALUE ...]
                                                        reach a private tunnel hostname through a local port; the
                                                        token comes from --token-file, EDGE_ACCESS_TOKEN or
                                                        Access:Token in the config file (never the command line)
        {Client.ClientCommands.Usage}
          edge version                                  print the version
          edge help                                     print this text

        Configuration keys can be given on the command line (--Registry:Domain=example.com, --urls http://0.0.0.0:5000),
        as environment variables (Registry__Domain=example.com) or in a YAML/JSON file. See README.md for every key.
        """;

    public static CommandLine Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0)
        {
            return new CommandLine("help", null, [], null);
        }

        var command = args[0] switch
        {
            "serve" => "serve",
            "relay" => "relay",
            "access" => "access",
            "version" or "--version" => "version",
            "help" or "--help" or "-h" => "help",
            _ => null,
        };
        if (command is null)
        {
            return new CommandLine("help", null, [], $"Unknown command '{args[0]}'.");
        }

        string? configFile = null;
        var overrides = new List<string>();
        for (var i = 1; i < args.Length; i++)
        {
            var arg = args[i];
            if (command == "access" && AccessOption(arg) is { } option)
            {
                if (option.Key is null)
                {
                    return new CommandLine(command, null, [], TokenOnCommandLine);
                }

                string value;
                if (option.Value is not null)
                {
                    value = option.Value;
                }
                else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    value = args[++i];
                }
                else
                {
                    return new CommandLine(command, null, [], $"{option.Flag} needs a value.");
                }

                overrides.Add($"--{option.Key}={value}");
            }
            else if (arg is "--config" or "-c")
            {
                if (i + 1 >= args.Length)
                {
                    return new CommandLine(command, null, [], "--config needs a file path.");
                }

                configFile = args[++i];
            }
            else if (arg.StartsWith("--config=", StringComparison.Ordinal))
            {
                configFile = arg["--config=".Length..];
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal) || arg.StartsWith('/'))
            {
                overrides.Add(arg);
                // "--key value" form: keep the value with its key.
                if (!arg.Contains('=', StringComparison.Ordinal) && i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    overrides.Add(args[++i]);
                }
            }
            else
            {
                return new CommandLine(command, null, [], $"Unexpected argument '{arg}'. Configuration overrides look like --Section:Key=value.");
            }
        }

        return new CommandLine(command, configFile, overrides.ToArray(), null);
    }

    private const string TokenOnCommandLine =
        "edge access does not take the token on the command line (every user on the machine can read it with ps). " +
        "Use --token-file PATH, the EDGE_ACCESS_TOKEN environment variable or Access:Token in the --config file.";

    // The short flags of `edge access` and the configuration keys they set; a null key marks the refused token flag.
    private static readonly Dictionary<string, string?> s_accessFlags = new(StringComparer.Ordinal)
    {
        ["--relay"] = "Access:RelayUri",
        ["--hostname"] = "Access:Hostname",
        ["--listen"] = "Access:Listen",
        ["--token-file"] = "Access:TokenFile",
        ["--token"] = null,
    };

    /// <summary>An `edge access` flag (<c>--relay URL</c>, <c>--relay=URL</c>) or a token given as an override
    /// (<c>--Access:Token=…</c>, refused); null for anything else.</summary>
    private static (string Flag, string? Key, string? Value)? AccessOption(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        var flag = equals < 0 ? arg : arg[..equals];
        var value = equals < 0 ? null : arg[(equals + 1)..];
        if (s_accessFlags.TryGetValue(flag, out var key))
        {
            return (flag, key, value);
        }

        var name = flag.TrimStart('-', '/');
        return name.Equals("Access:Token", StringComparison.OrdinalIgnoreCase) || name.Equals("Access__Token", StringComparison.OrdinalIgnoreCase)
            ? (flag, null, value)
            : null;
    }
}
