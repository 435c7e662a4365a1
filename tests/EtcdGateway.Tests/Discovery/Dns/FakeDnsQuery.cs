using System.Net;
using EtcdGateway.Discovery.Dns;

namespace EtcdGateway.Tests.Discovery.Dns;

/// <summary>A query as <see cref="FakeDnsServer"/> saw it.</summary>
internal sealed record FakeDnsQuery(DnsMessage Message, IPEndPoint Client, bool OverTcp);
