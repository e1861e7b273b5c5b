using System.Globalization;
using System.Text;

namespace Edge.Bindings.Redis;

/// <summary>
/// One command: its name (the only part ever put in a message, since arguments may be a password or a value)
/// and its arguments as bytes.
/// </summary>
internal sealed class RedisCommand
{
    private RedisCommand(string name, ReadOnlyMemory<byte>[] arguments)
    {
        Name = name;
        Arguments = arguments;
    }

    /// <summary>The command name, such as <c>GET</c>.</summary>
    public string Name { get; }

    /// <summary>The name followed by the arguments, as sent.</summary>
    public ReadOnlyMemory<byte>[] Arguments { get; }

    /// <summary>A command of <paramref name="name"/> and <paramref name="arguments"/>: strings go as UTF-8,
    /// integers in decimal, byte arrays and memory as they are.</summary>
    public static RedisCommand Create(string name, params object[] arguments)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(arguments);
        var all = new ReadOnlyMemory<byte>[arguments.Length + 1];
        all[0] = Encoding.ASCII.GetBytes(name);
        for (var i = 0; i < arguments.Length; i++)
        {
            all[i + 1] = arguments[i] switch
            {
                string text => Encoding.UTF8.GetBytes(text),
                byte[] bytes => bytes,
                ReadOnlyMemory<byte> memory => memory,
                long number => Encoding.ASCII.GetBytes(number.ToString(CultureInfo.InvariantCulture)),
                int number => Encoding.ASCII.GetBytes(number.ToString(CultureInfo.InvariantCulture)),
                _ => throw new ArgumentException($"Argument {i} of {name} is a {arguments[i]?.GetType().Name ?? "null"}; use string, bytes or an integer.", nameof(arguments)),
            };
        }

        return new RedisCommand(name, all);
    }
}
