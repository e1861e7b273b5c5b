using System.Text.Json.Nodes;
using Edge.Host.Configuration;

namespace Edge.Host.Cli.Client;

/// <summary>
/// The manifest <c>edge deploy</c> sends: <c>edge.yaml</c> (beside the code, or <c>--manifest FILE</c>) with the flags
/// on top (<c>--route</c> replaces its routes; <c>--var</c>, <c>--kv</c>, <c>--bucket</c> add or replace entries;
/// <c>--schedule</c> replaces its schedules; <c>--timeout</c>, <c>--memory</c>, <c>--isolation</c>, <c>--handler</c>
/// replace), sent as JSON (which YAML reads). <c>name</c> in the file names the function and is not sent.
/// </summary>
internal sealed class DeployManifest
{
    private readonly Dictionary<string, string?> _keys;

    private DeployManifest(Dictionary<string, string?> keys, string? name)
    {
        _keys = keys;
        Name = name;
    }

    /// <summary>The function's name from the file's <c>name</c> key, if any.</summary>
    public string? Name { get; }

    public static DeployManifest Load(string? file, List<string> errors)
    {
        var keys = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (file is not null)
        {
            try
            {
                using var stream = File.OpenRead(file);
                keys = YamlConfigurationProvider.Parse(stream);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                errors.Add($"{file}: {ex.Message}");
            }
        }

        keys.Remove("name", out var name);
        return new DeployManifest(keys, name);
    }

    /// <summary>Replaces every key under <paramref name="section"/> with <paramref name="values"/> as a list.</summary>
    public void ReplaceList(string section, IReadOnlyList<string> values, string? field = null)
    {
        if (values.Count == 0)
        {
            return;
        }

        foreach (var key in _keys.Keys.Where(k => k.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            _keys.Remove(key);
        }

        for (var i = 0; i < values.Count; i++)
        {
            _keys[field is null ? $"{section}:{i}" : $"{section}:{i}:{field}"] = values[i];
        }
    }

    /// <summary>Sets <c>SECTION:KEY</c> from each <c>KEY=VALUE</c>; a pair without '=' is an error.</summary>
    public void SetPairs(string section, string flag, IReadOnlyList<string> pairs, List<string> errors)
    {
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                errors.Add($"{flag} '{pair}' is not KEY=VALUE.");
                continue;
            }

            _keys[$"{section}:{pair[..equals]}"] = pair[(equals + 1)..];
        }
    }

    public void Set(string key, string? value)
    {
        if (value is not null)
        {
            _keys[key] = value;
        }
    }

    /// <summary>The manifest as a JSON document.</summary>
    public string ToJson()
    {
        var root = new JsonObject();
        foreach (var (key, value) in _keys.OrderBy(k => k.Key, StringComparer.OrdinalIgnoreCase))
        {
            var parts = key.Split(':');
            var node = root;
            for (var i = 0; i < parts.Length - 1; i++)
            {
                if (node[parts[i]] is not JsonObject child)
                {
                    child = new JsonObject();
                    node[parts[i]] = child;
                }

                node = child;
            }

            node[parts[^1]] = value;
        }

        return root.ToJsonString();
    }
}
