namespace Edge.Bindings.Redis;

/// <summary>The kinds of RESP2 replies.</summary>
internal enum RespKind
{
    /// <summary><c>+OK</c>: <see cref="RespReply.Text"/>.</summary>
    SimpleString,

    /// <summary><c>-ERR …</c>: <see cref="RespReply.Text"/>.</summary>
    Error,

    /// <summary><c>:42</c>: <see cref="RespReply.Integer"/>.</summary>
    Integer,

    /// <summary><c>$3 abc</c>: <see cref="RespReply.Bytes"/>.</summary>
    BulkString,

    /// <summary><c>*2 …</c>: <see cref="RespReply.Items"/>.</summary>
    Array,

    /// <summary><c>$-1</c> or <c>*-1</c>.</summary>
    Null,
}

/// <summary>One RESP2 reply. Error replies are data here; callers turn them into <see cref="RedisException"/>.</summary>
internal sealed class RespReply
{
    public static readonly RespReply Null = new(RespKind.Null);

    private RespReply(RespKind kind) => Kind = kind;

    public RespKind Kind { get; }

    public string? Text { get; private init; }

    public long Integer { get; private init; }

    public byte[]? Bytes { get; private init; }

    public IReadOnlyList<RespReply>? Items { get; private init; }

    public static RespReply Simple(string text) => new(RespKind.SimpleString) { Text = text };

    public static RespReply Error(string text) => new(RespKind.Error) { Text = text };

    public static RespReply FromInteger(long value) => new(RespKind.Integer) { Integer = value };

    public static RespReply Bulk(byte[] bytes) => new(RespKind.BulkString) { Bytes = bytes };

    public static RespReply FromArray(IReadOnlyList<RespReply> items) => new(RespKind.Array) { Items = items };

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        RespKind.SimpleString or RespKind.Error => $"{Kind} {Text}",
        RespKind.Integer => $"Integer {Integer}",
        RespKind.BulkString => $"BulkString ({Bytes!.Length} bytes)",
        RespKind.Array => $"Array ({Items!.Count} items)",
        _ => "Null",
    };
}
