namespace Edge.Functions;

/// <summary>Per-request context handed to <see cref="IFetchHandler.FetchAsync"/>.</summary>
/// <remarks><see cref="IExecutionContext.Aborted"/> is cancelled when the client goes away or the function's deadline
/// passes, whichever comes first.</remarks>
public interface IFetchContext : IExecutionContext
{
    /// <summary>
    /// The client's address and scheme as the host established them: the socket peer, or the values a
    /// trusted proxy (or the tunnel) forwarded. Handlers never read X-Forwarded-* themselves.
    /// </summary>
    ClientInfo Client { get; }
}

/// <summary>Who sent a request, as far as the host can trust it.</summary>
/// <param name="Address">The client's IP address, when known.</param>
/// <param name="Scheme">"http" or "https" as the client used it.</param>
/// <param name="Host">The Host (with port) the client addressed.</param>
public sealed record ClientInfo(System.Net.IPAddress? Address, string Scheme, string Host);
