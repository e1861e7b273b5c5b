namespace Edge.Bindings.Redis;

/// <summary>
/// Redis could not be reached, did not answer in time, broke the protocol, or answered with an error. The message
/// names the endpoint and the command, with Redis's own error text; never a credential or a value.
/// </summary>
/// <remarks>An <see cref="IOException"/>, so code that treats storage failures as I/O failures catches it too.</remarks>
internal sealed class RedisException : IOException
{
    public RedisException(string message)
        : base(message)
    {
    }

    public RedisException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The error text Redis answered with (such as <c>WRONGPASS …</c>), or null for a transport failure.</summary>
    public string? ServerError { get; init; }
}
