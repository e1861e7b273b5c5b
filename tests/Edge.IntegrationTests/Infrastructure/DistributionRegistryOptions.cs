namespace Edge.IntegrationTests.Infrastructure;

/// <summary>How to run a <see cref="DistributionRegistry"/>.</summary>
public sealed class DistributionRegistryOptions
{
    /// <summary>Token auth (realm/service/issuer/rootcertbundle), usually from <see cref="TokenServer.RegistryAuth"/>. Null: no auth.</summary>
    public RegistryTokenAuth? TokenAuth { get; set; }

    /// <summary>When set, the registry runs as a pull-through cache of this URL (<c>proxy.remoteurl</c>).</summary>
    public string? ProxyRemoteUrl { get; set; }

    /// <summary>Optional <c>proxy.username</c>.</summary>
    public string? ProxyUsername { get; set; }

    /// <summary>Optional <c>proxy.password</c>.</summary>
    public string? ProxyPassword { get; set; }

    /// <summary>distribution log level (error, warn, info, debug).</summary>
    public string LogLevel { get; set; } = "info";

    /// <summary>How long to wait for <c>GET /v2/</c> to answer.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
