using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Edge.Host.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Hosting;

/// <summary>
/// TLS server certificates read from files (<see cref="CertificateOptions"/>), chosen per connection by the name the
/// client asked for (SNI). Shared by every <c>https://</c> listener of a host.
/// </summary>
/// <remarks>
/// 1. Load (start-up): every certificate with its chain and key; every problem is collected with the exact key and
///    file (missing file, unreadable or mismatched key, no private key, bad host pattern, a host listed twice, two
///    defaults). Passwords never appear in messages.
/// 2. Select (each handshake): the exact host name, else the one-label wildcard <c>*.parent</c>, else the default
///    (the one marked <see cref="CertificateOptions.Default"/>, or the first).
/// 3. Reload (every <see cref="ReloadInterval"/>): a certificate whose files changed (renewal) is loaded again and
///    serves new connections; if that fails, the previous one stays and the error is logged once per change.
/// 4. Expiry: at start and with every check, a certificate that expires within <see cref="ExpiryWarningWindow"/>
///    (or has expired) is warned about, at most once per <see cref="ExpiryWarningInterval"/> for the same certificate,
///    so a renewal that stopped working shows in the logs weeks before clients start failing.
/// </remarks>
internal sealed partial class ServerCertificates : IDisposable
{
    /// <summary>How often the files are checked for changes. A minute: renewals happen days before expiry.</summary>
    public static readonly TimeSpan ReloadInterval = TimeSpan.FromMinutes(1);

    /// <summary>How long before expiry the warnings start: 14 days, twice the margin ACME clients renew with at least.</summary>
    public static readonly TimeSpan ExpiryWarningWindow = TimeSpan.FromDays(14);

    /// <summary>How often the warning is repeated for a certificate that is still not renewed.</summary>
    public static readonly TimeSpan ExpiryWarningInterval = TimeSpan.FromHours(24);

    private static readonly List<SslApplicationProtocol> s_protocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];
    private readonly string _section;
    private readonly CertificateOptions[] _options;
    private readonly Lock _reloadGate = new();
    private readonly Dictionary<int, FileStamp> _failedStamps = [];

    /// <summary>When each certificate (by thumbprint) was last warned about; a renewed one starts afresh.</summary>
    private readonly Dictionary<string, DateTimeOffset> _expiryWarned = new(StringComparer.Ordinal);
    private volatile Table _table;
    private ITimer? _timer;
    private ILogger? _logger;
    private TimeProvider _time = TimeProvider.System;

    private ServerCertificates(string section, CertificateOptions[] options, Table table)
    {
        _section = section;
        _options = options;
        _table = table;
    }

    /// <summary>The certificates in use, in configuration order.</summary>
    public IReadOnlyList<LoadedCertificate> Certificates => _table.Entries;

    /// <summary>
    /// Loads <paramref name="options"/> (configured under <paramref name="section"/>, e.g. <c>Relay:Certificates</c>).
    /// Null when none are configured or when any failed (the reasons are in <paramref name="errors"/>).
    /// </summary>
    public static ServerCertificates? Load(IReadOnlyList<CertificateOptions> options, string section, List<string> errors)
    {
        if (options.Count == 0)
        {
            return null;
        }

        var before = errors.Count;
        var loaded = new LoadedCertificate?[options.Count];
        for (var i = 0; i < options.Count; i++)
        {
            loaded[i] = LoadOne(i, options[i], $"{section}:{i.ToString(CultureInfo.InvariantCulture)}", errors);
        }

        var defaults = options.Select((o, i) => (o, i)).Where(p => p.o.Default).Select(p => p.i).ToList();
        if (defaults.Count > 1)
        {
            errors.Add($"{section}: only one certificate may be the Default (entries {string.Join(", ", defaults)} are)");
        }

        if (errors.Count > before)
        {
            return null;
        }

        var table = BuildTable([.. loaded.Select(l => l!)], options, section, errors);
        return table is null ? null : new ServerCertificates(section, [.. options], table);
    }

    /// <summary>The certificate for a TLS client hello naming <paramref name="serverName"/> (null or empty: no SNI).</summary>
    public LoadedCertificate Select(string? serverName) => _table.Select(serverName);

    /// <summary>Kestrel's per-connection TLS options: the certificate by SNI, with its chain; ALPN h2 and http/1.1.</summary>
    public TlsHandshakeCallbackOptions HandshakeOptions() => new()
    {
        OnConnection = context => ValueTask.FromResult(new SslServerAuthenticationOptions
        {
            ServerCertificateContext = Select(context.ClientHelloInfo.ServerName).Context,
            ApplicationProtocols = s_protocols,
        }),
    };

    /// <summary>Logs what was loaded (and warns of certificates outside their validity or close to expiry) and starts
    /// the reload checks.</summary>
    public void Start(TimeProvider time, ILogger logger)
    {
        _logger = logger;
        _time = time;
        foreach (var certificate in _table.Entries)
        {
            LogCertificate(logger, certificate, time);
        }

        lock (_reloadGate)
        {
            WarnOfExpiry(_table.Entries, logger, time.GetUtcNow());
        }

        _timer = time.CreateTimer(static state => ((ServerCertificates)state!).CheckForChanges(), this, ReloadInterval, ReloadInterval);
    }

    /// <summary>One check (the timer's work): reload each certificate whose files changed, then warn of any close to
    /// expiry.</summary>
    internal void CheckForChanges()
    {
        if (!_reloadGate.TryEnter())
        {
            return;
        }

        try
        {
            Reload();
            if (_logger is not null)
            {
                WarnOfExpiry(_table.Entries, _logger, _time.GetUtcNow());
            }
        }
        finally
        {
            _reloadGate.Exit();
        }
    }

    private void Reload()
    {
        var table = _table;
        var entries = table.Entries.ToArray();
        var changed = false;
        for (var i = 0; i < entries.Length; i++)
        {
            var options = _options[i];
            FileStamp stamp;
            try
            {
                stamp = FileStamp.Of(options);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue; // mid-renewal (a file briefly missing): look again next time
            }

            if (stamp == entries[i].Stamp || (_failedStamps.TryGetValue(i, out var failed) && failed == stamp))
            {
                continue;
            }

            var errors = new List<string>();
            var prefix = $"{_section}:{i.ToString(CultureInfo.InvariantCulture)}";
            if (LoadOne(i, options, prefix, errors) is { } reloaded)
            {
                entries[i] = reloaded;
                changed = true;
                _failedStamps.Remove(i);
            }
            else
            {
                _failedStamps[i] = stamp;
                if (_logger is not null)
                {
                    LogReloadFailed(_logger, prefix, string.Join("; ", errors));
                }
            }
        }

        if (!changed)
        {
            return;
        }

        var buildErrors = new List<string>();
        if (BuildTable(entries, _options, _section, buildErrors) is { } next)
        {
            _table = next;
            if (_logger is not null)
            {
                foreach (var entry in entries.Where(e => !table.Entries.Contains(e)))
                {
                    LogReloaded(_logger, $"{_section}:{entry.Index.ToString(CultureInfo.InvariantCulture)}", entry.Leaf.Subject, entry.Leaf.NotAfter.ToUniversalTime());
                }
            }
        }
        else if (_logger is not null)
        {
            LogReloadFailed(_logger, _section, string.Join("; ", buildErrors));
        }
    }

    /// <summary>Warns of each certificate that expires within <see cref="ExpiryWarningWindow"/> or has expired, at
    /// most once per <see cref="ExpiryWarningInterval"/> each. Called under the reload gate.</summary>
    private void WarnOfExpiry(IReadOnlyList<LoadedCertificate> entries, ILogger logger, DateTimeOffset now)
    {
        foreach (var entry in entries)
        {
            var notAfter = new DateTimeOffset(entry.Leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            var left = notAfter - now;
            var thumbprint = entry.Leaf.Thumbprint;
            if (left > ExpiryWarningWindow
                || (_expiryWarned.TryGetValue(thumbprint, out var warned) && now - warned < ExpiryWarningInterval))
            {
                continue;
            }

            _expiryWarned[thumbprint] = now;
            var key = $"{_section}:{entry.Index.ToString(CultureInfo.InvariantCulture)}";
            if (left <= TimeSpan.Zero)
            {
                LogExpired(logger, key, entry.Leaf.Subject, notAfter.UtcDateTime);
            }
            else
            {
                LogExpiresSoon(logger, key, entry.Leaf.Subject, notAfter.UtcDateTime, Math.Round(left.TotalDays, 1));
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _timer?.Dispose();

    private static LoadedCertificate? LoadOne(int index, CertificateOptions options, string prefix, List<string> errors)
    {
        var before = errors.Count;
        foreach (var host in options.Hosts)
        {
            if (!IsHostPattern(host))
            {
                errors.Add($"{prefix}:Hosts: '{host}' must be a host name or *.parent (no port, no path)");
            }
        }

        var certificatePath = options.CertificatePath;
        if (string.IsNullOrWhiteSpace(certificatePath))
        {
            errors.Add($"{prefix}: CertificatePath is required");
            return null;
        }

        if (!File.Exists(certificatePath))
        {
            errors.Add($"{prefix}: certificate file '{certificatePath}' does not exist");
        }

        var isPfx = certificatePath.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || certificatePath.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);
        if (!string.IsNullOrEmpty(options.KeyPath))
        {
            if (isPfx)
            {
                errors.Add($"{prefix}: KeyPath is for PEM certificates; the PFX file '{certificatePath}' holds its own key");
            }
            else if (!File.Exists(options.KeyPath))
            {
                errors.Add($"{prefix}: key file '{options.KeyPath}' does not exist");
            }
        }

        if (errors.Count > before)
        {
            return null;
        }

        X509Certificate2 leaf;
        X509Certificate2Collection chain;
        FileStamp stamp;
        try
        {
            stamp = FileStamp.Of(options);
            (leaf, chain) = isPfx ? ReadPfx(certificatePath, options.Password) : ReadPem(certificatePath, options.KeyPath, options.Password);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            var key = isPfx || string.IsNullOrEmpty(options.KeyPath) ? "" : $" with the key '{options.KeyPath}'";
            errors.Add($"{prefix}: could not load the certificate '{certificatePath}'{key}: {ex.Message}");
            return null;
        }

        if (!leaf.HasPrivateKey)
        {
            errors.Add($"{prefix}: '{certificatePath}' holds no private key for its certificate ({leaf.Subject}); set KeyPath");
            return null;
        }

        var hosts = options.Hosts.Count > 0 ? options.Hosts : DnsNames(leaf);
        var context = SslStreamCertificateContext.Create(leaf, chain, offline: true);
        return new LoadedCertificate(index, [.. hosts.Select(h => h.TrimEnd('.').ToLowerInvariant()).Distinct(StringComparer.Ordinal)], leaf, context, stamp);
    }

    private static (X509Certificate2 Leaf, X509Certificate2Collection Chain) ReadPfx(string path, string? password)
    {
        var all = X509CertificateLoader.LoadPkcs12CollectionFromFile(path, password);
        var leaf = all.FirstOrDefault(c => c.HasPrivateKey) ?? (all.Count > 0 ? all[0] : throw new CryptographicException("the file holds no certificate"));
        var chain = new X509Certificate2Collection();
        chain.AddRange(all.Where(c => c != leaf).ToArray());
        return (leaf, chain);
    }

    private static (X509Certificate2 Leaf, X509Certificate2Collection Chain) ReadPem(string certificatePath, string? keyPath, string? password)
    {
        var certificatePem = File.ReadAllText(certificatePath);
        var keyPem = string.IsNullOrEmpty(keyPath) ? certificatePem : File.ReadAllText(keyPath);
        var leaf = string.IsNullOrEmpty(password)
            ? X509Certificate2.CreateFromPem(certificatePem, keyPem)
            : X509Certificate2.CreateFromEncryptedPem(certificatePem, keyPem, password);

        // The rest of the file is the chain sent with the certificate (intermediates; a root there is harmless).
        var all = new X509Certificate2Collection();
        all.ImportFromPem(certificatePem);
        var chain = new X509Certificate2Collection();
        chain.AddRange(all.Where(c => !c.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span)).ToArray());
        return (leaf, chain);
    }

    private static List<string> DnsNames(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value == "2.5.29.17")
            {
                names.AddRange(new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical).EnumerateDnsNames());
            }
        }

        return names;
    }

    private static Table? BuildTable(LoadedCertificate[] entries, IReadOnlyList<CertificateOptions> options, string section, List<string> errors)
    {
        var before = errors.Count;
        var exact = new Dictionary<string, LoadedCertificate>(StringComparer.OrdinalIgnoreCase);
        var wildcards = new Dictionary<string, LoadedCertificate>(StringComparer.OrdinalIgnoreCase);
        var defaultIndex = Math.Max(0, options.ToList().FindIndex(o => o.Default));
        foreach (var entry in entries)
        {
            if (entry.Hosts.Count == 0 && entry.Index != defaultIndex)
            {
                errors.Add($"{section}:{entry.Index}: no Hosts given and the certificate ({entry.Leaf.Subject}) names no DNS names; list its Hosts or make it the Default");
            }

            foreach (var host in entry.Hosts)
            {
                var (map, key) = host.StartsWith("*.", StringComparison.Ordinal) ? (wildcards, host[1..]) : (exact, host);
                if (map.TryGetValue(key, out var other))
                {
                    errors.Add($"{section}: host '{host}' is listed by certificates {other.Index} and {entry.Index}");
                }
                else
                {
                    map[key] = entry;
                }
            }
        }

        return errors.Count > before ? null : new Table(entries, exact, wildcards, entries[defaultIndex]);
    }

    private static bool IsHostPattern(string host)
    {
        var name = host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host;
        name = name.TrimEnd('.');
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-' || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static void LogCertificate(ILogger logger, LoadedCertificate certificate, TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var notAfter = certificate.Leaf.NotAfter.ToUniversalTime();
        var hosts = certificate.Hosts.Count > 0 ? string.Join(", ", certificate.Hosts) : "(no SNI names)";
        LogLoaded(logger, certificate.Index, certificate.Leaf.Subject, hosts, notAfter);
        // Expired ones are warned about by WarnOfExpiry, with those close to expiry.
        if (now < certificate.Leaf.NotBefore.ToUniversalTime())
        {
            LogOutsideValidity(logger, certificate.Index, certificate.Leaf.Subject, certificate.Leaf.NotBefore.ToUniversalTime(), notAfter);
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "TLS certificate {Index}: {Subject} for {Hosts}, valid until {NotAfter:u}")]
    private static partial void LogLoaded(ILogger logger, int index, string subject, string hosts, DateTime notAfter);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "TLS certificate {Index} ({Subject}) is not valid yet: valid from {NotBefore:u} until {NotAfter:u}")]
    private static partial void LogOutsideValidity(ILogger logger, int index, string subject, DateTime notBefore, DateTime notAfter);

    [LoggerMessage(EventId = 32, Level = LogLevel.Information, Message = "TLS certificate {Key} reloaded: {Subject}, valid until {NotAfter:u}")]
    private static partial void LogReloaded(ILogger logger, string key, string subject, DateTime notAfter);

    [LoggerMessage(EventId = 33, Level = LogLevel.Error, Message = "TLS certificate {Key} changed on disk but could not be loaded; still serving the previous one: {Errors}")]
    private static partial void LogReloadFailed(ILogger logger, string key, string errors);

    [LoggerMessage(EventId = 34, Level = LogLevel.Warning, Message = "TLS certificate {Key} ({Subject}) expires at {NotAfter:u}, in {Days} days; renew its files (they are reloaded when they change)")]
    private static partial void LogExpiresSoon(ILogger logger, string key, string subject, DateTime notAfter, double days);

    [LoggerMessage(EventId = 35, Level = LogLevel.Error, Message = "TLS certificate {Key} ({Subject}) expired at {NotAfter:u}; clients reject it until its files are renewed")]
    private static partial void LogExpired(ILogger logger, string key, string subject, DateTime notAfter);

    private sealed class Table(
        LoadedCertificate[] entries,
        Dictionary<string, LoadedCertificate> exact,
        Dictionary<string, LoadedCertificate> wildcards,
        LoadedCertificate fallback)
    {
        public LoadedCertificate[] Entries { get; } = entries;

        public LoadedCertificate Select(string? serverName)
        {
            if (string.IsNullOrEmpty(serverName))
            {
                return fallback;
            }

            var name = serverName.TrimEnd('.');
            if (exact.TryGetValue(name, out var match))
            {
                return match;
            }

            // "*.example.com" covers exactly one label: a.example.com, not a.b.example.com.
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            return dot > 0 && wildcards.TryGetValue(name[dot..], out match) ? match : fallback;
        }
    }
}
