namespace EtcdGateway.IntegrationTests.Relay;

/// <summary>The data path through the Socket-based splice(2) relay (<c>ETCD_GATEWAY_RELAY=splice</c>).</summary>
public sealed class SpliceRelayDataPathTests() : DataPathTests("splice");
