using System.Globalization;
using EtcdGateway.Protos.Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace GrpcLoad;

/// <summary>
/// Start-up probe: says "polling" on stderr, then retries a Range against the target until one is answered and
/// prints the wall-clock time of that answer (Unix seconds, as bash's $EPOCHREALTIME), so the caller can start the
/// proxy after "polling" and subtract.
/// </summary>
internal static class FirstRpc
{
    public static async Task<ResultLine> RunAsync(LoadOptions options)
    {
        var request = new RangeRequest { Key = ByteString.CopyFromUtf8(options.Key) };
        if (options.WarmEndpoint is { } warm)
        {
            using var warmChannel = ChannelFactory.Open(warm);
            await new KV.KVClient(warmChannel).RangeAsync(request, deadline: DateTime.UtcNow.AddSeconds(5));
        }
        Console.Error.WriteLine("polling");
        var deadline = DateTime.UtcNow.AddSeconds(options.Seconds);
        var attempts = 0;
        while (DateTime.UtcNow < deadline)
        {
            attempts++;
            // A fresh channel per attempt: a refused connection is not retried by the handler, and nothing waits on back-off.
            using var channel = ChannelFactory.Open(options.Endpoint);
            try
            {
                await new KV.KVClient(channel).RangeAsync(request, deadline: DateTime.UtcNow.AddSeconds(2));
                var answeredAt = (DateTimeOffset.UtcNow.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 1e7;
                return new ResultLine(options.Mode).Add("answered_at", answeredAt).Add("attempts", attempts);
            }
            catch (RpcException)
            {
                await Task.Delay(1);
            }
        }
        throw new TimeoutException($"no answer from {options.Endpoint} within {options.Seconds} s ({attempts} attempts)");
    }
}
