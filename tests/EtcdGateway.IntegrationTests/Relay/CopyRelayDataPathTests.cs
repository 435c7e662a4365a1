namespace EtcdGateway.IntegrationTests.Relay;

/// <summary>The data path through the portable copy loop (<c>ETCD_GATEWAY_RELAY=copy</c>), used where splice(2) is not.</summary>
public sealed class CopyRelayDataPathTests() : DataPathTests("copy");
