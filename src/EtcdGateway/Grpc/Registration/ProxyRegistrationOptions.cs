using EtcdGateway.Cli;

namespace EtcdGateway.Grpc.Registration;

/// <summary>
/// What the proxy says about itself for discovery: the address clients reach it at (<c>--advertise-client-url</c>), where
/// proxies register (<c>--resolver-prefix</c>, empty: nowhere) and for how long a registration outlives its proxy
/// (<c>--resolver-ttl</c>), and the name MemberList gives it (the host name, as etcd's proxy does).
/// </summary>
internal sealed record ProxyRegistrationOptions(string AdvertiseClientUrl, string ResolverPrefix, TimeSpan ResolverTtl, string Name)
{
    /// <summary>Registration happens only with both a prefix and an address (the option builder refuses a prefix alone).</summary>
    public bool Registers => ResolverPrefix.Length > 0 && AdvertiseClientUrl.Length > 0;

    /// <summary>The key this proxy registers under: <c>PREFIX/ADDR</c>, as etcd's proxy and endpoints manager write it.</summary>
    public string Key => RegistrationKeys.For(ResolverPrefix, AdvertiseClientUrl);

    /// <summary>The registration part of the proxy's options, named after this machine (<see cref="System.Net.Dns.GetHostName"/> is Go's <c>os.Hostname</c>).</summary>
    public static ProxyRegistrationOptions From(GrpcProxyOptions options) =>
        new(options.AdvertiseClientUrl, options.ResolverPrefix, TimeSpan.FromSeconds(options.ResolverTtl), System.Net.Dns.GetHostName());
}
