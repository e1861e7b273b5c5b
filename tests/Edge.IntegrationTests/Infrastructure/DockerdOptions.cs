namespace Edge.IntegrationTests.Infrastructure;

/// <summary>daemon.json settings for a private <see cref="Dockerd"/>.</summary>
public sealed class DockerdOptions
{
    /// <summary><c>registry-mirrors</c> (apply to docker.io pulls only), e.g. http://127.0.0.1:5001.</summary>
    public List<string> RegistryMirrors { get; set; } = [];

    /// <summary><c>insecure-registries</c> (host:port). 127.0.0.0/8 is insecure by default anyway.</summary>
    public List<string> InsecureRegistries { get; set; } = [];

    /// <summary>How long to wait for <c>docker info</c> to work.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Per-command limit for docker CLI calls.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(120);
}
