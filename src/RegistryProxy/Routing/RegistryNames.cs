using System.Text.RegularExpressions;

namespace Edge.RegistryProxy.Routing;

/// <summary>The distribution spec's grammar for repository names and tags.</summary>
internal static partial class RegistryNames
{
    /// <summary>Distribution's limit on a whole repository name.</summary>
    public const int MaxNameLength = 255;

    public static bool IsValidRepository(string name) =>
        name.Length is > 0 and <= MaxNameLength && Repository().IsMatch(name);

    public static bool IsValidTag(string tag) => Tag().IsMatch(tag);

    /// <summary>Whether a first path component names a registry rather than a namespace, as docker decides it.</summary>
    public static bool LooksLikeRegistryHost(string component) =>
        component.Contains('.', StringComparison.Ordinal) || component.Contains(':', StringComparison.Ordinal) || component == "localhost";

    /// <summary>Whether a component is a host name (or [IPv6]) with an optional port, as docker's reference grammar has it.</summary>
    public static bool IsValidRegistryHost(string component) => RegistryHost().IsMatch(component);

    [GeneratedRegex("^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[A-Fa-f0-9:]+\\])(?::[0-9]+)?\\z", RegexOptions.CultureInvariant)]
    private static partial Regex RegistryHost();

    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Repository();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Tag();
}
