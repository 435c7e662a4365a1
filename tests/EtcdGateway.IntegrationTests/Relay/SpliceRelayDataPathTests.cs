namespace EtcdGateway.IntegrationTests.Relay;

/// <summary>The data path through the default Linux relay, splice(2) through a pipe.</summary>
public sealed class SpliceRelayDataPathTests() : DataPathTests(null);
