namespace Edge.Tunnel.Relay;

/// <summary>The relay's HTTP/2 flow-control limits that SocketsHttpHandler takes only process-wide.</summary>
public static class TunnelFlowControl
{
    /// <summary>The environment variable SocketsHttpHandler reads (once, when its first instance is created) for the
    /// largest stream receive window its dynamic window sizing may grow to (its own default: 16 MiB).</summary>
    public const string MaxStreamWindowVariable = "DOTNET_SYSTEM_NET_HTTP_SOCKETSHTTPHANDLER_FLOWCONTROL_MAXSTREAMWINDOWSIZE";

    /// <summary>
    /// Caps every HTTP/2 stream window of this process at <see cref="TunnelRelayOptions.MaxStreamWindowSize"/>, unless
    /// the variable is already set (an operator's own value wins). Call before any <see cref="HttpClient"/> or
    /// <see cref="SocketsHttpHandler"/> exists; later calls have no effect on handlers. Returns the value in force.
    /// </summary>
    /// <remarks>
    /// Without a cap, dynamic window sizing let each relayed download grow its window to 16 MiB whenever the public
    /// client read slower than the agent sent (or a busy machine made round trips look long): 16 parallel downloads
    /// held 300 MiB on the relay. With 4 MiB they hold at most 64 MiB, and with the 1 MiB start usually far less.
    /// </remarks>
    public static string ApplyProcessWide(TunnelRelayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var current = Environment.GetEnvironmentVariable(MaxStreamWindowVariable);
        if (!string.IsNullOrEmpty(current))
        {
            return current;
        }

        var value = options.MaxStreamWindowSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Environment.SetEnvironmentVariable(MaxStreamWindowVariable, value);
        return value;
    }
}
