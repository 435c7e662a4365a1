using System.Net;
using EtcdGateway.Discovery.Dns;
using EtcdGateway.Endpoints;
using EtcdGateway.Logging;

namespace EtcdGateway.Discovery;

/// <summary>
/// One round of DNS SRV discovery: ask for the TLS and the plain service names, resolve the targets, verify TLS
/// endpoints, and return what may be used. Unlike etcd's gateway it never falls back to a default endpoint: no usable
/// endpoint is an error naming both lookups and why each failed.
/// </summary>
internal sealed class SrvDiscovery(SrvDiscoveryOptions options, DnsResolver resolver, TlsEndpointVerifier verifier, JsonLogger logger)
{
    /// <summary>
    /// The addresses each TLS target (<c>host:port</c>) proved itself on, so a refresh checks only what is new: a new
    /// target, or a known one that moved. Targets that vanish are forgotten, so one that comes back is checked again.
    /// </summary>
    private Dictionary<string, HashSet<IPAddress>> _verified = [];

    private TlsEndpointVerifier _verifier = verifier;

    public SrvDiscoveryOptions Options => options;

    /// <summary>
    /// SIGHUP: checks from now on use <paramref name="reloaded"/> (the CA file read again), and every target proves itself
    /// anew at the next round, since what the old CA vouched for may no longer be trusted.
    /// </summary>
    public void UseVerifier(TlsEndpointVerifier reloaded)
    {
        _verifier = reloaded;
        _verified = [];
    }

    public async Task<SrvDiscoveryResult> DiscoverAsync(CancellationToken ct)
    {
        // :: Step 1: both names at once; TLS records come first and win over a plain record for the same target.
        var secure = LookupAsync(options.SecureServiceName, ct);
        var plain = LookupAsync(options.PlainServiceName, ct);
        var (secureRecords, secureError) = await secure;
        var (plainRecords, plainError) = await plain;
        if (secureRecords is null && plainRecords is null)
        {
            throw new SrvDiscoveryException(
                $"both SRV lookups failed: {options.SecureServiceName}: {secureError}; {options.PlainServiceName}: {plainError}");
        }

        var candidates = new List<(DnsSrvData Record, bool Tls)>();
        candidates.AddRange((secureRecords?.Records ?? []).Select(r => (r, true)));

        if (plainRecords is { Records.Count: > 0 })
        {
            if (options.Insecure)
            {
                candidates.AddRange(plainRecords.Records.Select(r => (r, false)));
            }
            else
            {
                logger.Warn("ignoring plain http SRV records; pass --insecure-discovery to use them", [
                    new("name", options.PlainServiceName), new("targets", plainRecords.Records.Select(Key).ToArray())]);
            }
        }

        if (candidates.Count == 0)
        {
            throw new SrvDiscoveryException(secureRecords is null
                ? $"{options.SecureServiceName}: {secureError}; the plain records of {options.PlainServiceName} need --insecure-discovery"
                : $"{options.SecureServiceName} has no targets, and the plain records of {options.PlainServiceName} need --insecure-discovery");
        }

        // :: Step 2: resolve and (unless insecure) verify each target; the reasons for dropping one are logged and kept.
        var ttl = Min(secureRecords?.TimeToLive, plainRecords?.TimeToLive);
        var endpoints = new List<Endpoint>();
        var dropped = new List<string>();
        var verified = new Dictionary<string, HashSet<IPAddress>>();
        var verifier = _verifier;
        foreach (var (record, tls) in candidates.DistinctBy(c => Key(c.Record)))
        {
            var (endpoint, hostTtl, reason) = await ResolveAsync(record, tls, verifier, verified, ct);
            if (endpoint is null)
            {
                logger.Warn("dropped discovered endpoint", [
                    new("endpoint", Key(record)), new("priority", record.Priority), new("weight", record.Weight), new("reason", reason)]);
                dropped.Add($"{Key(record)}: {reason}");
                continue;
            }

            ttl = Min(ttl, hostTtl);
            endpoints.Add(endpoint);
        }

        // Kept only if no reload came during this round: what was proved then was proved to the old CA file.
        if (ReferenceEquals(verifier, _verifier))
        {
            _verified = verified;
        }

        if (endpoints.Count == 0)
        {
            throw new SrvDiscoveryException($"no usable endpoint among the SRV targets: {string.Join("; ", dropped)}");
        }

        return new SrvDiscoveryResult(endpoints, ttl ?? TimeSpan.Zero);
    }

    private async Task<(SrvLookupResult? Result, string? Error)> LookupAsync(string name, CancellationToken ct)
    {
        try
        {
            var result = await resolver.LookupSrvAsync(name, ct);
            // A target of "." says the service is decidedly not offered there (RFC 2782).
            var offered = result with { Records = [.. result.Records.Where(r => r.Target.Length > 0)] };
            return offered.Records.Count == 0 ? (null, "no SRV records") : (offered, null);
        }
        catch (DnsLookupException e)
        {
            // The message names the lookup; ours names it already.
            var prefix = $"lookup {name}: ";
            return (null, e.Message.StartsWith(prefix, StringComparison.Ordinal) ? e.Message[prefix.Length..] : e.Message);
        }
    }

    private async Task<(Endpoint? Endpoint, TimeSpan? Ttl, string? Reason)> ResolveAsync(
        DnsSrvData record, bool tls, TlsEndpointVerifier verifier, Dictionary<string, HashSet<IPAddress>> verified, CancellationToken ct)
    {
        var host = record.Target;
        HostLookupResult found;
        try
        {
            found = await resolver.LookupHostAsync(host, ct);
        }
        catch (DnsLookupException e)
        {
            return (null, null, e.Message);
        }

        if (found.Addresses.Count == 0)
        {
            return (null, null, $"{host} has no A or AAAA records");
        }

        IReadOnlyList<IPAddress> addresses = found.Addresses;
        if (tls && !options.Insecure)
        {
            // Every address clients may be sent to must prove itself; one that fails is left out, not the whole target.
            var key = Key(record);
            var known = _verified.GetValueOrDefault(key) ?? [];
            var passed = new HashSet<IPAddress>();
            string? reason = null;
            foreach (var ip in found.Addresses)
            {
                if (known.Contains(ip))
                {
                    passed.Add(ip);
                    continue;
                }

                var rejection = await verifier.VerifyAsync(new IPEndPoint(ip, record.Port), host, options.Domain, ct);
                if (rejection is null)
                {
                    passed.Add(ip);
                }
                else
                {
                    reason = found.Addresses.Count == 1 ? rejection : $"{ip}: {rejection}";
                }
            }

            if (passed.Count == 0)
            {
                return (null, null, reason);
            }

            if (reason is not null)
            {
                logger.Warn("dropped an address of a discovered endpoint", [new("endpoint", key), new("reason", reason)]);
            }

            verified[key] = passed;
            addresses = [.. found.Addresses.Where(passed.Contains)];
        }

        var endpoint = new Endpoint(new EndpointAddress(host, record.Port) { Tls = tls }, [.. addresses])
        {
            Rank = new SrvRank(record.Priority, record.Weight),
        };
        return (endpoint, found.TimeToLive, null);
    }

    private static string Key(DnsSrvData record) => $"{record.Target.ToLowerInvariant()}:{record.Port}";

    private static TimeSpan? Min(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;
}
