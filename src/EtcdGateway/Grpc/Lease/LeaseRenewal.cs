using EtcdGateway.Protos.Etcdserverpb;

namespace EtcdGateway.Grpc.Lease;

/// <summary>
/// One lease as <see cref="LeaseRenewalCoalescer"/> keeps it: the clients waiting for the renewal sent to the cluster,
/// the cluster's latest answer and when it came, when a client last asked. Changed under the coalescer's lock only.
/// </summary>
internal sealed class LeaseRenewal
{
    /// <summary>The clients whose keep-alive the renewal in flight answers (a client once per keep-alive it sent).</summary>
    public List<IKeepAliveWaiter> Waiting { get; } = [];

    /// <summary>A renewal was sent to the cluster and not answered yet.</summary>
    public bool InFlight { get; set; }

    /// <summary>The cluster's latest answer, or null before the first.</summary>
    public LeaseKeepAliveResponse? LastAnswer { get; set; }

    /// <summary>When <see cref="LastAnswer"/> came (a TimeProvider timestamp).</summary>
    public long AnsweredAt { get; set; }

    /// <summary>When a client last sent a keep-alive for the lease (a TimeProvider timestamp).</summary>
    public long RequestedAt { get; set; }
}
