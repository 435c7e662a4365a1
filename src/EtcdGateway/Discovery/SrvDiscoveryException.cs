namespace EtcdGateway.Discovery;

/// <summary>Discovery found no endpoint it may use; the message says which names were asked and why each failed.</summary>
internal sealed class SrvDiscoveryException(string message) : Exception(message);
