namespace Edge.Tunnel.Relay;

/// <summary>A tunnel the relay accepts agents for.</summary>
public sealed class TunnelDefinition
{
    /// <summary>The tunnel id agents send in <c>Edge-Tunnel-Id</c>.</summary>
    public string Id { get; set; } = "";

    /// <summary>The agents' bearer token in clear (prefer <see cref="TokenSha256"/> in configuration files).</summary>
    public string? Token { get; set; }

    /// <summary>Lower-case hex SHA-256 of the UTF-8 token, so the relay's configuration holds no usable secret.</summary>
    public string? TokenSha256 { get; set; }
}
