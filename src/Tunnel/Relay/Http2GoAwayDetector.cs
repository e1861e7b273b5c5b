namespace Edge.Tunnel.Relay;

/// <summary>
/// Follows the HTTP/2 frame boundaries of the bytes an agent sends and reports its first GOAWAY frame (RFC 9113 §6.8).
/// Only the 9-byte frame headers are read; payloads are skipped, so the cost is per frame, not per byte.
/// </summary>
/// <remarks>
/// The agent is the HTTP/2 server on the tunnel: its bytes are frames from the first one (the server preface is a
/// SETTINGS frame, there is no magic string in this direction). The relay's HTTP/2 client stops opening streams on a
/// connection that sent GOAWAY; noticing the frame here too lets the relay stop picking the connection at the same
/// moment, instead of learning it from a refused connect on the next request.
/// </remarks>
internal sealed class Http2GoAwayDetector
{
    private const int FrameHeaderLength = 9;
    private const byte GoAwayType = 0x7;
    private readonly byte[] _header = new byte[FrameHeaderLength];
    private int _headerFilled;
    private long _payloadLeft;

    /// <summary>True once a GOAWAY frame header was seen.</summary>
    public bool GoAwaySeen { get; private set; }

    /// <summary>Feeds the next bytes read from the agent, in order. Returns true when they hold the first GOAWAY.</summary>
    public bool Observe(ReadOnlySpan<byte> data)
    {
        if (GoAwaySeen)
        {
            return false;
        }

        while (!data.IsEmpty)
        {
            if (_payloadLeft > 0)
            {
                var skip = (int)Math.Min(_payloadLeft, data.Length);
                _payloadLeft -= skip;
                data = data[skip..];
                continue;
            }

            var take = Math.Min(FrameHeaderLength - _headerFilled, data.Length);
            data[..take].CopyTo(_header.AsSpan(_headerFilled));
            _headerFilled += take;
            data = data[take..];
            if (_headerFilled < FrameHeaderLength)
            {
                break;
            }

            _headerFilled = 0;
            _payloadLeft = (_header[0] << 16) | (_header[1] << 8) | _header[2];
            if (_header[3] == GoAwayType)
            {
                GoAwaySeen = true;
                return true;
            }
        }

        return false;
    }
}
