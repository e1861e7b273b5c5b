namespace Edge.IntegrationTests.Infrastructure;

/// <summary>One Docker auth scope, e.g. <c>repository:library/alpine:pull,push</c>.</summary>
public sealed record TokenScope(string Type, string Name, IReadOnlyList<string> Actions)
{
    /// <summary>Parses <c>type:name:actions</c>; the name may itself contain colons (e.g. a host:port prefix).</summary>
    public static TokenScope? TryParse(string scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var first = scope.IndexOf(':');
        var last = scope.LastIndexOf(':');
        if (first <= 0 || last <= first)
        {
            return null;
        }

        var actions = scope[(last + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new TokenScope(scope[..first], scope[(first + 1)..last], actions);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Type}:{Name}:{string.Join(',', Actions)}";
}
