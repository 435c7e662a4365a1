using System.Threading.Channels;
using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Grpc.Lease;
using EtcdGateway.Grpc.Metrics;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;

namespace EtcdGateway.Tests.Grpc.Lease;

/// <summary>A client's keep-alive stream on the proxy: one answer per keep-alive, etcd's end on half-close and on a refusal.</summary>
public class ClientKeepAliveStreamTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly List<long> _renewals = [];
    private readonly LeaseRenewalCoalescer _leases;
    private readonly Channel<LeaseKeepAliveRequest> _fromClient = Channel.CreateUnbounded<LeaseKeepAliveRequest>();
    private readonly RecordingWriter _toClient = new();

    public ClientKeepAliveStreamTests() => _leases = new LeaseRenewalCoalescer(new ManualTimeProvider(), Renewed, new LeaseKeepAliveMetrics());

    [Fact]
    public async Task A_Half_Closed_Stream_Ends_Once_Every_Keep_Alive_Is_Answered()
    {
        using var stream = new ClientKeepAliveStream();
        var running = stream.RunAsync(new ChannelStreamReader<LeaseKeepAliveRequest>(_fromClient.Reader), _toClient, _leases, CancellationToken.None);
        foreach (var id in new long[] { 1, 2, 1 })
        {
            await _fromClient.Writer.WriteAsync(new LeaseKeepAliveRequest { ID = id });
        }

        _fromClient.Writer.Complete();
        await WaitForAsync(() => _renewals.Count == 2);
        Assert.False(running.IsCompleted);

        _leases.Answered(new LeaseKeepAliveResponse { ID = 2, TTL = 20 });
        _leases.Answered(new LeaseKeepAliveResponse { ID = 1, TTL = 10 });
        await running.WaitAsync(Timeout);

        Assert.Equal([(2L, 20L), (1L, 10L), (1L, 10L)], _toClient.Written.Select(r => (r.ID, r.TTL)));
    }

    [Fact]
    public async Task A_Refused_Renewal_Ends_The_Stream_With_Etcds_Error_After_What_Was_Answered()
    {
        using var stream = new ClientKeepAliveStream();
        var running = stream.RunAsync(new ChannelStreamReader<LeaseKeepAliveRequest>(_fromClient.Reader), _toClient, _leases, CancellationToken.None);
        await _fromClient.Writer.WriteAsync(new LeaseKeepAliveRequest { ID = 1 });
        await _fromClient.Writer.WriteAsync(new LeaseKeepAliveRequest { ID = 2 });
        await WaitForAsync(() => _renewals.Count == 2);
        _leases.Answered(new LeaseKeepAliveResponse { ID = 1, TTL = 10 });

        var refused = new RpcException(new Status(StatusCode.PermissionDenied, "etcdserver: permission denied"));
        _leases.Failed(refused);

        var ended = await Assert.ThrowsAsync<RpcException>(() => running.WaitAsync(Timeout));
        Assert.Same(refused, ended);
        Assert.Equal([1L], _toClient.Written.Select(r => r.ID));
    }

    [Fact]
    public async Task A_Client_That_Goes_Away_Ends_The_Stream_Quietly()
    {
        using var stream = new ClientKeepAliveStream();
        using var gone = new CancellationTokenSource();
        var running = stream.RunAsync(new ChannelStreamReader<LeaseKeepAliveRequest>(_fromClient.Reader), _toClient, _leases, gone.Token);
        await _fromClient.Writer.WriteAsync(new LeaseKeepAliveRequest { ID = 1 });
        await WaitForAsync(() => _renewals.Count == 1);

        await gone.CancelAsync();
        await running.WaitAsync(Timeout);

        // The answer that comes later goes nowhere.
        _leases.Answered(new LeaseKeepAliveResponse { ID = 1, TTL = 10 });
        Assert.Empty(_toClient.Written);
    }

    private void Renewed(long lease)
    {
        lock (_renewals)
        {
            _renewals.Add(lease);
        }
    }

    private async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            lock (_renewals)
            {
                if (condition())
                {
                    return;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, "not so in time");
            await Task.Delay(10);
        }
    }

    private sealed class RecordingWriter : IServerStreamWriter<LeaseKeepAliveResponse>
    {
        public List<LeaseKeepAliveResponse> Written { get; } = [];

        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(LeaseKeepAliveResponse message) => WriteAsync(message, CancellationToken.None);

        public Task WriteAsync(LeaseKeepAliveResponse message, CancellationToken cancellationToken)
        {
            lock (Written)
            {
                Written.Add(message);
            }

            return Task.CompletedTask;
        }
    }
}
