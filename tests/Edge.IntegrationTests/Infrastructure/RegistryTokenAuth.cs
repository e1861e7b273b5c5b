namespace Edge.IntegrationTests.Infrastructure;

/// <summary>distribution's <c>auth.token</c> settings.</summary>
public sealed record RegistryTokenAuth(string Realm, string Service, string Issuer, string RootCertBundlePath);
