namespace Edge.RegistryProxy.Routing;

/// <summary>The upstreams every installation knows without configuration.</summary>
internal static class DefaultUpstreams
{
    public static IReadOnlyList<(string Name, string Url, string[] RegistryHosts, bool DockerHub)> All { get; } =
    [
        ("docker", "https://registry-1.docker.io", ["docker.io", "index.docker.io", "registry-1.docker.io"], true),
        ("ghcr", "https://ghcr.io", ["ghcr.io"], false),
        ("gcr", "https://gcr.io", ["gcr.io"], false),
        ("k8s-gcr", "https://k8s.gcr.io", ["k8s.gcr.io"], false),
        ("k8s", "https://registry.k8s.io", ["registry.k8s.io"], false),
        ("quay", "https://quay.io", ["quay.io"], false),
        ("mcr", "https://mcr.microsoft.com", ["mcr.microsoft.com"], false),
        ("ecr", "https://public.ecr.aws", ["public.ecr.aws"], false),
    ];
}
