using System.Net.Sockets;
using EtcdGateway.Balancing;
using EtcdGateway.Endpoints;
using EtcdGateway.Logging;
using EtcdGateway.Metrics;

namespace EtcdGateway.Hosting;

/// <summary>The shared parts a mode's data path is built from: where clients connect, how endpoints are chosen, what is counted.</summary>
internal sealed record DataPathParts(
    Socket ListenSocket, ConnectionTracker Tracker, EndpointPicker Picker, GatewayMetrics Metrics, JsonLogger Logger, Func<TimeSpan> DialTimeout, TimeProvider Time);
