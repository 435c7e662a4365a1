using EtcdGateway.Endpoints;
using EtcdGateway.Hosting;
using EtcdGateway.Logging;
using EtcdGateway.Relay;

namespace EtcdGateway.Discovery;

/// <summary>
/// <c>--endpoints-auto-sync-interval</c>: asks a member in rotation for the cluster's member list and makes the members'
/// client URLs the endpoint set. Added members start getting connections; removed ones get no new connections while their
/// open ones finish. Started with one endpoint, the gateway learns the rest. On failure the last good set stays.
/// </summary>
internal sealed class MemberListSync(GatewayContext context, TimeProvider time) : IDisposable
{
    private EndpointHttpClient? _http;
    private Health.HealthOptions? _httpOptions;
    private string? _lastError;

    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var interval = context.Settings.Options.AutoSyncInterval;
            try
            {
                // Off (0s) may be turned on by a reload: look again every second.
                await Task.Delay(interval > TimeSpan.Zero ? interval : TimeSpan.FromSeconds(1), time, stopping);
                if (context.Settings.Options.AutoSyncInterval > TimeSpan.Zero)
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
                context.Logger.Error("unexpected error in member list sync; keeping the current endpoints", [.. LogField.Unexpected(e)]);
            }
        }
    }

    /// <summary>One sync: true when a member answered with a usable list (whether or not it changed anything).</summary>
    public async Task<bool> SyncOnceAsync(CancellationToken stopping)
    {
        var http = Client();
        var snapshot = context.Registry.Current;
        string? error = null;
        foreach (var endpoint in snapshot.Available.Concat(snapshot.Routable).Distinct())
        {
            var response = await http.SendAsync(endpoint, HttpMethod.Post, "/v3/cluster/member/list", "{}", stopping);
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
            context.Logger.Warn("member list sync failed; keeping the current endpoints", [LogField.Error(error ?? "no endpoint in rotation to ask")]);
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
                var ips = EndpointAddress.TryParseIPLiteral(address.Host, out var literal) ? [literal!] : await EndpointResolver.LookupAsync(address.Host);
                endpoints.Add(new Endpoint(address, ips));
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException)
            {
                context.Logger.Warn("cannot resolve a member's client URL; leaving it out this round", [new("address", address.ToString()), LogField.Error(e)]);
            }
        }

        if (endpoints.Count == 0)
        {
            return;
        }

        context.ReplaceEndpoints(endpoints, "member-list");
    }

    /// <summary>Built from the health settings (TLS files, timeout) and rebuilt when a reload changes them.</summary>
    private EndpointHttpClient Client()
    {
        var health = context.Settings.Options.Health;
        if (_http is null || health != _httpOptions)
        {
            _http?.Dispose();

            // A member list is bigger than a health answer and may come from a busier member: allow more time.
            _http = new EndpointHttpClient(health.Timeout * 4, time, health.CaCertFile, health.CertFile, health.KeyFile);
            _httpOptions = health;
        }

        return _http;
    }
}
