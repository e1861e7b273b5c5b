namespace Edge.Host.Cli.Client;

/// <summary>The CLI's arguments: positional values, single flags and repeatable flags, as <c>--flag value</c> or
/// <c>--flag=value</c>.</summary>
internal sealed class ClientArguments
{
    private static readonly HashSet<string> s_repeatable = new(StringComparer.Ordinal) { "--route", "--var", "--kv", "--bucket", "--schedule" };
    private static readonly HashSet<string> s_known = new(StringComparer.Ordinal)
    {
        "--host", "--token-file", "--name", "--manifest", "--percent", "--message", "--timeout", "--memory", "--isolation", "--handler", "--json",
        "--route", "--var", "--kv", "--bucket", "--schedule",
    };

    private readonly Dictionary<string, List<string>> _flags = new(StringComparer.Ordinal);

    public List<string> Positional { get; } = [];

    public string? Error { get; private set; }

    public static ClientArguments Parse(IReadOnlyList<string> args)
    {
        var parsed = new ClientArguments();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                parsed.Positional.Add(arg);
                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var flag = equals < 0 ? arg : arg[..equals];
            if (flag is "--token" or "--admin-token")
            {
                parsed.Error = "The admin token is never taken from the command line (every user on the machine can read it with ps): use --token-file PATH, EDGE_TOKEN or EDGE_TOKEN_FILE, or token/tokenFile in ~/.config/edge/cli.yaml.";
                return parsed;
            }

            if (!s_known.Contains(flag))
            {
                parsed.Error = $"Unknown option '{flag}'.";
                return parsed;
            }

            if (flag == "--json")
            {
                parsed.Add(flag, "true");
                continue;
            }

            string value;
            if (equals >= 0)
            {
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                parsed.Error = $"{flag} needs a value.";
                return parsed;
            }

            if (!s_repeatable.Contains(flag) && parsed._flags.ContainsKey(flag))
            {
                parsed.Error = $"{flag} is given twice.";
                return parsed;
            }

            parsed.Add(flag, value);
        }

        return parsed;
    }

    public string? Get(string flag) => _flags.TryGetValue(flag, out var values) ? values[^1] : null;

    public IReadOnlyList<string> All(string flag) => _flags.TryGetValue(flag, out var values) ? values : [];

    public bool Has(string flag) => _flags.ContainsKey(flag);

    private void Add(string flag, string value)
    {
        if (!_flags.TryGetValue(flag, out var values))
        {
            _flags[flag] = values = [];
        }

        values.Add(value);
    }
}
