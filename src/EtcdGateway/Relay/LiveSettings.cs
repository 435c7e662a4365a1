using EtcdGateway.Balancing;
using EtcdGateway.Cli;

namespace EtcdGateway.Relay;

/// <summary>The settings a reload may change, as one immutable value: a connection reads it once and sees one consistent version.</summary>
internal sealed record LiveSettings(GatewayOptions Options, IPickPolicy PickPolicy, BackendDialer Dialer);
