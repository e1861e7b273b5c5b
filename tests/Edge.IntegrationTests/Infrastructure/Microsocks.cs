using System.Globalization;
using System.Text.RegularExpressions;

namespace Edge.IntegrationTests.Infrastructure;

/// <summary>
/// A real SOCKS5 server, Debian's <c>microsocks</c>, on 127.0.0.1 (optionally requiring a user name and password). It
/// writes one line per connection it carries (<c>client[5] 127.0.0.1: connected to 127.0.0.1:5000</c>), which is how
/// tests see what went through it.
/// </summary>
/// <remarks>
/// microsocks only takes credentials on its command line (<c>-u USER -P PASS</c>): the test's throwaway password is on
/// this child's argv, never the proxy's.
/// </remarks>
public sealed partial class Microsocks : IDisposable
{
    private readonly ManagedProcess _process;

    private Microsocks(ManagedProcess process, int port, string? user, string? password)
    {
        _process = process;
        Port = port;
        User = user;
        Password = password;
    }

    /// <summary>TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The user it requires, if any.</summary>
    public string? User { get; }

    /// <summary>The password it requires, if any.</summary>
    public string? Password { get; }

    /// <summary><c>socks5://127.0.0.1:PORT</c>, without credentials.</summary>
    public string Url => string.Create(CultureInfo.InvariantCulture, $"socks5://127.0.0.1:{Port}");

    /// <summary>What microsocks printed.</summary>
    public string Output => _process.Output;

    /// <summary>Every <c>host:port</c> it connected to for a client, in order (one entry per connection).</summary>
    public IReadOnlyList<string> Destinations => [.. ConnectedTo().Matches(Output).Select(m => m.Groups[1].Value)];

    /// <summary>Starts microsocks on a free port. Fails loudly when it is not installed.</summary>
    public static async Task<Microsocks> StartAsync(string? user = null, string? password = null)
    {
        Prerequisites.Require("microsocks");
        var port = FreePort.Next();
        List<string> arguments = ["-i", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture)];
        if (user is not null)
        {
            arguments.AddRange(["-u", user, "-P", password ?? ""]);
        }

        var process = ManagedProcess.Start("microsocks", arguments);
        try
        {
            await process.WaitForTcpPortAsync(port, TimeSpan.FromSeconds(15));
        }
        catch
        {
            process.Dispose();
            throw;
        }

        return new Microsocks(process, port, user, password);
    }

    /// <summary><c>socks5://USER:PASSWORD@127.0.0.1:PORT</c> (percent-encoded), for configuring a client.</summary>
    public string UrlWith(string user, string password) =>
        string.Create(CultureInfo.InvariantCulture, $"socks5://{Uri.EscapeDataString(user)}:{Uri.EscapeDataString(password)}@127.0.0.1:{Port}");

    /// <summary>Whether it carried a connection to 127.0.0.1:<paramref name="port"/>.</summary>
    public bool Carried(int port) => Destinations.Contains(string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}"));

    /// <summary>Waits (bounded) until it logged a connection to 127.0.0.1:<paramref name="port"/>: its output may lag.</summary>
    public Task WaitUntilCarriedAsync(int port, TimeSpan timeout) =>
        _process.WaitUntilAsync(_ => Task.FromResult(Carried(port)), timeout, string.Create(CultureInfo.InvariantCulture, $"a connection to 127.0.0.1:{port}"));

    public void Dispose() => _process.Dispose();

    [GeneratedRegex(@"connected to (\S+)", RegexOptions.CultureInvariant)]
    private static partial Regex ConnectedTo();
}
