using Grpc.Core;
using Grpc.Net.Client;

namespace EtcdGateway.IntegrationTests.Grpc.Registration;

/// <summary>
/// A plain channel to one member that a test can cut: while <see cref="Severed"/>, every call fails at once with
/// Unavailable, as when no member can be reached. Stands in for the proxy's own upstream in tests of a part alone.
/// </summary>
internal sealed class SeveredClusterInvoker : CallInvoker, IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly CallInvoker _invoker;

    public SeveredClusterInvoker(string memberAddress)
    {
        _channel = GrpcChannel.ForAddress($"http://{memberAddress}");
        _invoker = _channel.CreateCallInvoker();
    }

    public volatile bool Severed;

    public void Dispose() => _channel.Dispose();

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        Open().BlockingUnaryCall(method, host, options, request);

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        Open().AsyncUnaryCall(method, host, options, request);

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        Open().AsyncServerStreamingCall(method, host, options, request);

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        Open().AsyncClientStreamingCall(method, host, options);

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        Open().AsyncDuplexStreamingCall(method, host, options);

    private CallInvoker Open() => Severed ? throw new RpcException(new Status(StatusCode.Unavailable, "severed by the test")) : _invoker;
}
