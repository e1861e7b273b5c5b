namespace Edge.Tunnel.Agent;

/// <summary>The outcome of one dial: a connected stream, a refusal (stop dialing) or a failure (redial).</summary>
internal readonly record struct TunnelDialResult(Stream? Stream, bool Refused, string? Error)
{
    public static TunnelDialResult Connected(Stream stream) => new(stream, false, null);

    public static TunnelDialResult Refusal(string error) => new(null, true, error);

    public static TunnelDialResult Failure(string error) => new(null, false, error);
}
