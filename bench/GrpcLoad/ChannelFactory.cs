using System.Net.Http;
using Grpc.Net.Client;

namespace GrpcLoad;

/// <summary>Opens client channels: plain-text HTTP/2, one TCP connection per channel, no retries.</summary>
internal static class ChannelFactory
{
    public static GrpcChannel Open(string endpoint)
    {
        // One connection per channel, so "N channels" means N connections at the target, as N clients would make.
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = false,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        return GrpcChannel.ForAddress($"http://{endpoint}", new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = null,
            MaxRetryAttempts = 0,
        });
    }
}
