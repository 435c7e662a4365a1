namespace EtcdGateway.Grpc.Metrics;

/// <summary>One method the proxy serves, as go-grpc-prometheus labels it: the service's full name, the method's name, its <c>grpc_type</c>.</summary>
internal sealed record ServedMethod(string Service, string Name, string Type);
