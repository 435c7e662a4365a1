using System.Collections.Immutable;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using EtcdGateway.Cli;
using EtcdGateway.Endpoints;
using EtcdGateway.Logging;

namespace EtcdGateway.Hosting;

/// <summary>
/// Resolves configured endpoints to IP addresses at start-up, so a typo fails fast with exit code 2 and
/// the accept path never waits on DNS.
/// </summary>
internal static class EndpointResolver
{
    public static async Task<IReadOnlyList<Endpoint>> ResolveAsync(IReadOnlyList<EndpointAddress> addresses, IPEndPoint listen)
    {
        var endpoints = new List<Endpoint>();
        foreach (var address in addresses)
        {
            var ips = await ResolveHostAsync(address.Host, GatewayFlags.Endpoints, address.ToString());
            foreach (var ip in ips)
            {
                if (IsSameSocket(new IPEndPoint(ip, address.Port), listen))
                {
                    throw UsageException.InvalidValue(GatewayFlags.Endpoints, address.ToString(),
                        $"resolves to {new IPEndPoint(ip, address.Port)}, the gateway's own listen address (--listen-addr); it would proxy to itself");
                }
            }

            endpoints.Add(new Endpoint(address, ips));
        }

        return endpoints;
    }

    /// <summary>IP literals as they are; names through the system resolver, in its order. Failures are usage errors on <paramref name="flag"/>.</summary>
    public static async Task<ImmutableArray<IPAddress>> ResolveHostAsync(string host, string flag, string value)
    {
        if (EndpointAddress.TryParseIPLiteral(host, out var literal))
        {
            return [literal!];
        }

        try
        {
            var found = await HostLookup.LookupAsync(host);
            if (found.IsEmpty)
            {
                throw UsageException.InvalidValue(flag, value, $"host \"{host}\" has no addresses");
            }

            return found;
        }
        catch (SocketException e)
        {
            throw UsageException.InvalidValue(flag, value, $"cannot resolve host \"{host}\": {e.Message}");
        }
        catch (OperationCanceledException)
        {
            throw UsageException.InvalidValue(flag, value, $"cannot resolve host \"{host}\": lookup timed out after {GoDuration.Format(HostLookup.Timeout)}");
        }
    }

    private static bool IsSameSocket(IPEndPoint endpoint, IPEndPoint listen)
    {
        if (endpoint.Port != listen.Port)
        {
            return false;
        }

        if (endpoint.Address.Equals(listen.Address))
        {
            return true;
        }

        // A wildcard listener also answers on loopback and on every local interface address.
        var wildcard = listen.Address.Equals(IPAddress.Any) || listen.Address.Equals(IPAddress.IPv6Any);
        return wildcard && (IPAddress.IsLoopback(endpoint.Address) || LocalAddresses().Contains(endpoint.Address));
    }

    private static HashSet<IPAddress> LocalAddresses()
    {
        try
        {
            return [.. NetworkInterface.GetAllNetworkInterfaces().SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(u => u.Address)];
        }
        catch (NetworkInformationException)
        {
            return [];
        }
    }
}
