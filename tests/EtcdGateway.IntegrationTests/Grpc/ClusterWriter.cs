using System.Diagnostics;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// Writes straight to the cluster, not through the proxy: puts of 1, 2, 3, ... to one key, each sent to the members in
/// turn until one takes it (a hung or dead member only delays it), recording when each write was acknowledged.
/// </summary>
public sealed class ClusterWriter : IDisposable
{
    private readonly List<GrpcChannel> _channels;
    private readonly List<(long Value, long Revision, TimeSpan At)> _written = [];
    private readonly Stopwatch _clock;
    private readonly string _key;

    public ClusterWriter(EtcdCluster cluster, int preferred, string key, Stopwatch clock)
    {
        _channels = [.. cluster.Members.Select((m, i) => (m, i)).OrderBy(p => p.i == preferred ? 0 : 1).Select(p => GrpcChannel.ForAddress($"http://{p.m.ClientAddress}"))];
        _key = key;
        _clock = clock;
    }

    public IReadOnlyList<(long Value, long Revision, TimeSpan At)> Written
    {
        get
        {
            lock (_written)
            {
                return [.. _written];
            }
        }
    }

    /// <summary>Writes one value every <paramref name="interval"/> until <paramref name="stop"/> is cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken stop)
    {
        for (long value = 1; !stop.IsCancellationRequested; value++)
        {
            var revision = await PutAsync(value);
            lock (_written)
            {
                _written.Add((value, revision, _clock.Elapsed));
            }

            try
            {
                await Task.Delay(interval, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }

    private async Task<long> PutAsync(long value)
    {
        var request = new PutRequest { Key = ByteString.CopyFromUtf8(_key), Value = ByteString.CopyFromUtf8(value.ToString(System.Globalization.CultureInfo.InvariantCulture)) };
        for (var attempt = 0; ; attempt++)
        {
            var channel = _channels[attempt % _channels.Count];
            try
            {
                return (await new KV.KVClient(channel).PutAsync(request, deadline: DateTime.UtcNow.AddSeconds(1))).Header.Revision;
            }
            catch (RpcException) when (attempt < 60)
            {
                // That member is hung or gone, or the cluster is electing: the next one. A put repeated after a timeout may
                // land twice; the watchers then see the value twice at two revisions, which the checks allow for.
            }
        }
    }
}
