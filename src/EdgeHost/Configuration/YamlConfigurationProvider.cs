using Microsoft.Extensions.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Edge.Host.Configuration;

/// <summary>
/// Reads a YAML document into configuration keys: mappings nest with ':' and sequences use their index,
/// exactly as <c>JsonConfigurationProvider</c> does, so YAML and JSON files are interchangeable.
/// </summary>
internal sealed class YamlConfigurationProvider(YamlConfigurationSource source) : FileConfigurationProvider(source)
{
    public override void Load(Stream stream) => Data = Parse(stream);

    /// <summary>Reads a YAML document into flattened configuration keys (case-insensitive).</summary>
    /// <exception cref="FormatException">The document is not valid YAML, or repeats a key; the message says where.</exception>
    public static Dictionary<string, string?> Parse(Stream stream)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var yaml = new YamlStream();
        try
        {
            using var reader = new StreamReader(stream);
            yaml.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new FormatException($"Invalid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet reports some unterminated structures this way, without a position.
            throw new FormatException($"Invalid YAML: the document ends inside an unterminated structure ({ex.Message}).", ex);
        }

        if (yaml.Documents.Count > 0)
        {
            Visit(yaml.Documents[0].RootNode, prefix: null, data);
        }

        return data;
    }

    private static void Visit(YamlNode node, string? prefix, Dictionary<string, string?> data)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (keyNode, valueNode) in mapping.Children)
                {
                    if (keyNode is not YamlScalarNode { Value: { } key })
                    {
                        throw new FormatException($"Invalid YAML at line {keyNode.Start.Line}: mapping keys must be plain values.");
                    }

                    Visit(valueNode, prefix is null ? key : ConfigurationPath.Combine(prefix, key), data);
                }

                break;
            case YamlSequenceNode sequence:
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    var key = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    Visit(sequence.Children[i], prefix is null ? key : ConfigurationPath.Combine(prefix, key), data);
                }

                break;
            case YamlScalarNode scalar when prefix is not null:
                // `~`, `null` and an empty plain value mean "unset", as in JSON's null.
                var isNull = scalar.Style == YamlDotNet.Core.ScalarStyle.Plain
                    && (scalar.Value is null or "" or "~" or "null" or "Null" or "NULL");
                if (data.ContainsKey(prefix))
                {
                    throw new FormatException($"Invalid YAML at line {scalar.Start.Line}: the key '{prefix}' is given twice.");
                }

                data[prefix] = isNull ? null : scalar.Value;
                break;
        }
    }
}
