namespace Edge.RegistryProxy.Auth;

/// <summary>
/// A token scope, <c>TYPE:NAME:ACTIONS</c>. NAME may itself contain ':' (a registry host with a port in
/// path form), so the type is before the first ':' and the actions after the last.
/// </summary>
internal sealed record Scope(string Type, string Name, string Actions)
{
    public override string ToString() => $"{Type}:{Name}:{Actions}";

    public static bool TryParse(string text, out Scope scope)
    {
        scope = null!;
        var first = text.IndexOf(':', StringComparison.Ordinal);
        var last = text.LastIndexOf(':');
        if (first <= 0 || last <= first + 1)
        {
            return false;
        }

        scope = new Scope(text[..first], text[(first + 1)..last], text[(last + 1)..]);
        return true;
    }

    /// <summary>Space-separated scopes (one challenge or one form field may carry several).</summary>
    public static IEnumerable<string> Split(string? value) =>
        (value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
