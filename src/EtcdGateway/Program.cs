using EtcdGateway.Grpc;
using EtcdGateway.Hosting;
using EtcdGateway.Relay;

// The one place that names a mode: hosting composes the shared parts, each mode brings its data path.
return await CommandLine.RunAsync(
    args,
    Console.Out,
    Console.Error,
    parts =>
    {
        RelayEngineSettings.Validate();
        return EpollGateway.Create(parts);
    },
    GrpcProxyDataPath.Create);
