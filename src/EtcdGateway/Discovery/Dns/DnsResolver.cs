using System.Net.Sockets;
using System.Net;
using System.Security.Cryptography;
using EtcdGateway.Endpoints;
using EtcdGateway.Linux;

namespace EtcdGateway.Discovery.Dns;

/// <summary>
/// A stub resolver for SRV discovery and the host names it returns: it asks recursive nameservers, as the C library
/// does, and reports failures in one line. It follows resolv.conf's rules: the search list and ndots, each nameserver
/// in order for a number of rounds, each query bounded by the timeout.
/// </summary>
/// <remarks>
/// One lookup, step by step:
/// <code>
///   name ─► search-list candidates ─► for each: query (A and AAAA together, or SRV)
///            query ─► for each round, for each nameserver: UDP ─(TC set)─► TCP to the same server
///                      NOERROR / NXDOMAIN: that is the answer │ SERVFAIL, REFUSED, no answer in time: next server
/// </code>
/// </remarks>
internal sealed class DnsResolver
{
    private readonly DnsResolverOptions _options;
    private readonly TimeProvider _time;
    private readonly Func<ushort> _nextId;

    /// <param name="nextId">Query ids; by default cryptographically random, since a guessable id lets an off-path sender forge answers.</param>
    public DnsResolver(DnsResolverOptions options, TimeProvider time, Func<ushort>? nextId = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(options.Nameservers.Count, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Attempts, 1, nameof(options));
        _options = options;
        _time = time;
        _nextId = nextId ?? (() => (ushort)RandomNumberGenerator.GetInt32(0, 1 << 16));
    }

    /// <summary>The SRV records of <paramref name="name"/> (e.g. <c>_etcd-client._tcp.example.com</c>); targets of "." are left out.</summary>
    /// <exception cref="DnsLookupException">No SRV records could be had.</exception>
    public async Task<SrvLookupResult> LookupSrvAsync(string name, CancellationToken cancellationToken)
    {
        var (answered, records, ttl) = await LookupAsync(name, [DnsRecordType.SRV], cancellationToken);

        // RFC 2782: a lone target of "." says the service is decidedly not available at this domain.
        var services = records.Select(record => (DnsSrvData)record.Data).Where(srv => srv.Target.Length > 0).ToList();
        return services.Count > 0
            ? new SrvLookupResult(answered, services, ttl)
            : throw Failure(name, "service not available (SRV target \".\")");
    }

    /// <summary>The IPv4 and IPv6 addresses of <paramref name="host"/>, asked for together; an IP literal is its own answer.</summary>
    /// <exception cref="DnsLookupException">No addresses could be had.</exception>
    public async Task<HostLookupResult> LookupHostAsync(string host, CancellationToken cancellationToken)
    {
        if (EndpointAddress.TryParseIPLiteral(host, out var literal))
        {
            return new HostLookupResult(host, [literal!], TimeSpan.MaxValue);
        }

        var (answered, records, ttl) = await LookupAsync(host, [DnsRecordType.A, DnsRecordType.AAAA], cancellationToken);
        var addresses = records.Select(record => ((DnsAddressData)record.Data).Address).Distinct().ToList();
        return new HostLookupResult(answered, addresses, ttl);
    }

    /// <summary>
    /// Tries the search-list candidates in order until one has records of the wanted types. NXDOMAIN and "no records"
    /// move on to the next candidate; any other failure ends the lookup, rather than being hidden by a later NXDOMAIN.
    /// </summary>
    private async Task<(string Name, List<DnsRecord> Records, TimeSpan TimeToLive)> LookupAsync(
        string name, DnsRecordType[] types, CancellationToken cancellationToken)
    {
        if (!DnsName.TryValidate(name, out var invalid))
        {
            throw Failure(name, $"invalid name: {invalid}");
        }

        var anyNoData = false;
        IPEndPoint? lastServer = null;
        foreach (var candidate in DnsSearchList.Candidates(name, _options.Search, _options.Ndots))
        {
            var answers = await Task.WhenAll(types.Select(type => QueryAsync(candidate, type, cancellationToken)));
            var found = answers.Where(a => a.Records.Count > 0).ToList();
            if (found.Count > 0)
            {
                return (candidate, found.SelectMany(a => a.Records).ToList(), found.Min(a => a.TimeToLive));
            }

            if (answers.FirstOrDefault(a => a.Failure is not null) is { } failed)
            {
                throw Failure(name, failed.Failure!);
            }

            anyNoData |= answers.Any(a => a.ResponseCode == DnsResponseCode.NoError);
            lastServer = answers[^1].Server;
        }

        throw Failure(name, anyNoData
            ? $"no {string.Join(" or ", types)} records from {lastServer}"
            : $"no such host (NXDOMAIN) from {lastServer}");
    }

    /// <summary>
    /// Asks the nameservers in order, for the configured number of rounds, until one gives a definite answer (NOERROR or
    /// NXDOMAIN, which is authoritative for the name). Returns that answer's records, or why there was none.
    /// </summary>
    private async Task<DnsQueryOutcome> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        var question = new DnsQuestion(name, type, DnsQuestion.InternetClass);

        // A server that said something (SERVFAIL, refused, broken answer) explains more than one that stayed silent.
        string? failure = null;
        for (var attempt = 0; attempt < _options.Attempts; attempt++)
        {
            foreach (var server in _options.Nameservers)
            {
                var (response, error) = await AskAsync(server, question, cancellationToken);
                if (response?.Header.ResponseCode is DnsResponseCode.NoError or DnsResponseCode.NameError)
                {
                    var (records, ttl) = FollowAliases(response, name, type);
                    return new DnsQueryOutcome(server, response.Header.ResponseCode, records, ttl, null);
                }

                failure = response is null ? error ?? failure : $"{DescribeResponseCode(response.Header.ResponseCode)} from {server}";
            }
        }

        var rounds = _options.Attempts == 1 ? "1 attempt" : $"{_options.Attempts} attempts";
        return DnsQueryOutcome.Failed(failure ?? $"timed out after {rounds} to {string.Join(", ", _options.Nameservers)}");
    }

    /// <summary>One try at one server: UDP, and TCP when the UDP answer was truncated. A null response with a null error means it timed out.</summary>
    private async Task<(DnsMessage? Response, string? Error)> AskAsync(IPEndPoint server, DnsQuestion question, CancellationToken cancellationToken)
    {
        var id = _nextId();
        try
        {
            var response = await WithTimeoutAsync(token => DnsTransport.ExchangeUdpAsync(server, id, question, token), cancellationToken);
            if (response is { Header.Truncated: true })
            {
                response = await WithTimeoutAsync(token => DnsTransport.ExchangeTcpAsync(server, id, question, token), cancellationToken);
            }

            return (response, null);
        }
        catch (SocketException e)
        {
            return (null, $"{server}: {SocketErrors.Describe(e)}");
        }
        catch (IOException e) when (e.InnerException is SocketException inner)
        {
            return (null, $"{server} over TCP: {SocketErrors.Describe(inner)}");
        }
        catch (IOException)
        {
            return (null, $"{server} closed the TCP connection before the whole answer");
        }
        catch (DnsFormatException e)
        {
            return (null, $"bad answer over TCP from {server}: {e.Message}");
        }
    }

    private async Task<DnsMessage?> WithTimeoutAsync(Func<CancellationToken, Task<DnsMessage>> exchange, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            return await exchange(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// The answer records of <paramref name="type"/> for <paramref name="name"/>, following the CNAME chain the answer
    /// section holds (a recursive server puts the whole chain there). The TTL is the smallest along the way.
    /// </summary>
    private static (List<DnsRecord> Records, TimeSpan TimeToLive) FollowAliases(DnsMessage response, string name, DnsRecordType type)
    {
        var answers = response.Answers.Where(record => record.Class == DnsQuestion.InternetClass).ToList();
        var owner = name;
        var ttl = uint.MaxValue;

        // Each hop uses up a record, so a chain longer than the answer section is a loop.
        for (var hop = 0; hop <= answers.Count; hop++)
        {
            var records = answers.Where(record => record.Type == type && DnsName.AreEqual(record.Name, owner)).ToList();
            if (records.Count > 0)
            {
                return (records, TimeSpan.FromSeconds(Math.Min(ttl, records.Min(record => record.TimeToLive))));
            }

            var alias = answers.FirstOrDefault(record => record.Data is DnsCanonicalNameData && DnsName.AreEqual(record.Name, owner));
            if (alias is null)
            {
                break;
            }

            owner = ((DnsCanonicalNameData)alias.Data).Target;
            ttl = Math.Min(ttl, alias.TimeToLive);
        }

        return ([], TimeSpan.Zero);
    }

    private static string DescribeResponseCode(DnsResponseCode code) => code switch
    {
        DnsResponseCode.ServerFailure => "server failure (SERVFAIL)",
        DnsResponseCode.Refused => "query refused (REFUSED)",
        DnsResponseCode.FormatError => "query rejected as malformed (FORMERR)",
        DnsResponseCode.NotImplemented => "query not implemented (NOTIMP)",
        _ => $"response code {(int)code}",
    };

    private static DnsLookupException Failure(string name, string cause) => new($"lookup {name}: {cause}");
}
