using EtcdGateway.Endpoints;
using EtcdGateway.Logging;

namespace EtcdGateway.Discovery;

/// <summary>
/// <c>--endpoints-auto-sync-interval</c>: asks a member in rotation for the cluster's member list and makes the members'
/// client URLs the endpoint set. Added members start getting connections; removed ones get no new connections while their
/// open ones finish. Started with one endpoint, the gateway learns the rest. On failure the last good set stays.
/// </summary>
internal sealed class MemberListSync(EndpointSetUpdater updater, EndpointRegistry registry, JsonLogger logger, Func<MemberListSyncSettings> settings, TimeProvider time) : IDisposable
{
    /// <summary>
    /// A member entry is a few hundred bytes, so even a cluster far past etcd's recommended seven members answers in a few
    /// KiB; 4 MiB leaves room for thousands of URLs while a runaway answer is refused before it costs real memory.
    /// </summary>
    internal const int MaxBodyBytes = 4 * 1024 * 1024;

    private EndpointHttpClient? _http;
    private Health.HealthOptions? _httpOptions;
    private string? _lastError;

    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var interval = settings().Interval;
            try
            {
                // Off (0s) may be turned on by a reload: look again every second.
                await Task.Delay(interval > TimeSpan.Zero ? interval : TimeSpan.FromSeconds(1), time, stopping);
                if (settings().Interval > TimeSpan.Zero)
                {
                    await SyncOnceAsync(stopping);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Expected failures are handled in SyncOnceAsync; anything else must not end the loop for good.
                logger.Error("unexpected error in member list sync; keeping the current endpoints", [.. LogField.Unexpected(e)]);
            }
        }
    }

    /// <summary>One sync: true when a member answered with a usable list (whether or not it changed anything).</summary>
    public async Task<bool> SyncOnceAsync(CancellationToken stopping)
    {
        var http = Client();
        var snapshot = registry.Current;
        string? error = null;
        foreach (var endpoint in snapshot.Available.Concat(snapshot.Routable).Distinct())
        {
            var response = await http.SendAsync(endpoint, HttpMethod.Post, "/v3/cluster/member/list", "{}", MaxBodyBytes, stopping);
            if (response.StatusCode != 200)
            {
                error = $"{endpoint.Name}: {response.Error ?? $"HTTP {response.StatusCode}"}";
                continue;
            }

            try
            {
                var addresses = MemberListParser.Parse(response.Body);
                if (addresses.Count == 0)
                {
                    error = $"{endpoint.Name}: the member list names no client URLs";
                    continue;
                }

                await ApplyAsync(addresses);
                _lastError = null;
                return true;
            }
            catch (FormatException e)
            {
                error = $"{endpoint.Name}: {e.Message}";
            }
        }

        if (error != _lastError)
        {
            logger.Warn("member list sync failed; keeping the current endpoints", [LogField.Error(error ?? "no endpoint in rotation to ask")]);
            _lastError = error;
        }

        return false;
    }

    public void Dispose() => _http?.Dispose();

    private async Task ApplyAsync(IReadOnlyList<EndpointAddress> addresses)
    {
        var endpoints = new List<Endpoint>();
        foreach (var address in addresses)
        {
            try
            {
                var ips = await HostLookup.LookupAsync(address.Host);
                endpoints.Add(new Endpoint(address, ips));
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException)
            {
                logger.Warn("cannot resolve a member's client URL; leaving it out this round", [new("address", address.ToString()), LogField.Error(e)]);
            }
        }

        if (endpoints.Count == 0)
        {
            return;
        }

        updater.Replace(endpoints, "member-list");
    }

    /// <summary>
    /// Built from the health settings (TLS files, timeout) and rebuilt after every reload: the options are compared by
    /// reference, so the certificate and CA files are read again even when their paths stayed the same.
    /// </summary>
    private EndpointHttpClient Client()
    {
        var health = settings().Health;
        if (_http is null || !ReferenceEquals(health, _httpOptions))
        {
            _http?.Dispose();

            // A member list is bigger than a health answer and may come from a busier member: allow more time.
            _http = new EndpointHttpClient(health.Timeout * 4, time, health.CaCertFile, health.CertFile, health.KeyFile, insecureSkipVerify: health.InsecureSkipVerify);
            _httpOptions = health;
        }

        return _http;
    }
}
