using System.Net.Security;
using Edge.Tls;
using StackExchange.Redis;

namespace Edge.Bindings.Redis;

/// <summary>The library's settings, derived from <see cref="RedisKeyValueOptions"/>.</summary>
internal sealed partial class RedisConnection
{
    private ConfigurationOptions CreateConfiguration(PeerCertificateValidator? validator)
    {
        var configuration = new ConfigurationOptions
        {
            // Connect in the background and keep trying: the host serves its other routes while Redis is down,
            // and the store works again, without a restart, once it is back.
            AbortOnConnectFail = false,

            // One attempt within ConnectTimeout for the operation that opens the connection; the library's own
            // retries carry on behind it, backing off from 1 s to at most 5 s between attempts (its default grows
            // with ConnectTimeout): a host notices a Redis that is back within seconds, and an outage costs Redis
            // no more than one connection attempt per host every 5 s.
            ConnectRetry = 1,
            ReconnectRetryPolicy = new ExponentialRetry(1000, 5000),
            ConnectTimeout = Milliseconds(options.ConnectTimeout),
            AsyncTimeout = Milliseconds(options.OperationTimeout),
            SyncTimeout = Milliseconds(options.OperationTimeout),

            // Fail at once while no connection is up, rather than queue until the operation timeout: a registry
            // request then gets its 503 immediately, as with the store's earlier client.
            BacklogPolicy = BacklogPolicy.FailFast,
            DefaultDatabase = options.Database,
            User = options.Username,
            Password = options.Password,
            Ssl = options.UseTls,
            ClientName = "edge",

            // Only the key-value commands: no pub/sub channel of the library's own (a second socket, and
            // refused to an ACL user without channel rights) and no tie-breaker key outside KeyPrefix.
            ConfigurationChannel = string.Empty,
            TieBreaker = string.Empty,

            // Messages are the store's own; the library's never name a key either.
            IncludeDetailInExceptions = false,
        };

        foreach (var host in options.Hosts)
        {
            configuration.EndPoints.Add(host.Host, host.Port);
        }

        if (options.ServiceName is not null)
        {
            configuration.ServiceName = options.ServiceName;
            configuration.SentinelPassword = options.SentinelPassword;
        }

        if (validator is not null)
        {
            // The host name is always checked: SslHost is what the platform validates the certificate against.
            // Revocation is not asked for, as private CAs rarely publish lists (the system check then fails).
            configuration.SslHost = options.Hosts[0].Host;
            configuration.CheckCertificateRevocation = false;
            configuration.CertificateValidation += (sender, certificate, chain, errors) =>
            {
                var host = (sender as SslStream)?.TargetHostName is { Length: > 0 } target ? target : options.Hosts[0].Host;
                var rejection = validator.Check(certificate, chain, errors, host);
                Volatile.Write(ref lastTlsRejection, rejection);
                return rejection is null;
            };
        }

        configuration.ConnectionAttemptCompleted += OnConnectionAttemptCompleted;
        return configuration;
    }

    private static int Milliseconds(TimeSpan value) => (int)Math.Ceiling(value.TotalMilliseconds);
}
