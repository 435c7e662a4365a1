namespace EtcdGateway.Grpc.Registration;

/// <summary>One live registration read from the cluster: its key, the address it advertises and the name it gives.</summary>
internal sealed record RegisteredProxy(string Key, string Address, string Name);
