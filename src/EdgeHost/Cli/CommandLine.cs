namespace Edge.Host.Cli;

/// <summary>What the command line asked for, separate from how it runs.</summary>
internal sealed record CommandLine(string Command, string? ConfigFile, string[] Overrides, string? Error)
{
    public const string Usage = """
        edge: a self-hosted edge runtime; its built-in handler is a Docker registry pull-through proxy.

        Usage:
          edge serve [--config FILE] [--KEY=VALUE ...]   run the host (registry proxy on :5000 by default)
          edge relay [--config FILE] [--KEY=VALUE ...]   run a tunnel relay (public entry and agent endpoint, :8080)
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
            if (arg is "--config" or "-c")
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
}
