using EtcdGateway.Balancing;
using EtcdGateway.Endpoints;
using EtcdGateway.Logging;

namespace EtcdGateway.Relay;

/// <summary>The shared, long-lived parts every client connection uses.</summary>
internal sealed record GatewayContext(
    EndpointRegistry Registry,
    IPickPolicy PickPolicy,
    BackendDialer Dialer,
    ConnectionTracker Tracker,
    JsonLogger Logger,
    TimeSpan RetryDelay);
