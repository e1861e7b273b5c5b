namespace Edge.RegistryProxy.Content;

/// <summary>What a tag pointed to when last checked upstream.</summary>
/// <param name="Digest">The manifest digest.</param>
/// <param name="MediaType">Its exact Content-Type.</param>
/// <param name="Size">Its length in bytes.</param>
/// <param name="CheckedAt">When upstream last confirmed it (unix milliseconds).</param>
internal sealed record TagRecord(string Digest, string MediaType, long Size, long CheckedAt);
