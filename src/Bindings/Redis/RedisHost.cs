using System.Globalization;

namespace Edge.Bindings.Redis;

/// <summary>A host name or IP address and a TCP port: a Redis server or a Sentinel.</summary>
internal readonly record struct RedisHost(string Host, int Port)
{
    /// <summary><c>HOST:PORT</c>, an IPv6 address in brackets.</summary>
    public override string ToString() =>
        Host.Contains(':', StringComparison.Ordinal)
            ? string.Create(CultureInfo.InvariantCulture, $"[{Host}]:{Port}")
            : string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");
}
