using Yarp.ReverseProxy.Forwarder;

namespace Edge.Forwarding;

/// <summary>A failed response body copy of <see cref="ResponseBodyCopy"/>, where YARP records its own failures.</summary>
internal sealed class ResponseBodyFailure(ForwarderError error, Exception? exception) : IForwarderErrorFeature
{
    public ForwarderError Error { get; } = error;

    public Exception? Exception { get; } = exception;
}
