using EtcdGateway.Protos.Etcdserverpb;
using EtcdGateway.Protos.V3electionpb;
using EtcdGateway.Protos.V3lockpb;

namespace EtcdGateway.Grpc.Namespace;

/// <summary>
/// The key space without a namespace: every message is handed back as it is, so the services' one path costs nothing
/// when <c>--namespace</c> is not given. Bad keys are the cluster's to refuse, with its own errors.
/// </summary>
internal sealed class WholeKeySpace : KeySpace
{
    public override bool IsNamespace => false;

    public override RangeRequest ToCluster(RangeRequest request) => request;

    public override PutRequest ToCluster(PutRequest request) => request;

    public override DeleteRangeRequest ToCluster(DeleteRangeRequest request) => request;

    public override TxnRequest ToCluster(TxnRequest request) => request;

    public override WatchRequest ToCluster(WatchRequest request) => request;

    public override LockRequest ToCluster(LockRequest request) => request;

    public override UnlockRequest ToCluster(UnlockRequest request) => request;

    public override CampaignRequest ToCluster(CampaignRequest request) => request;

    public override ProclaimRequest ToCluster(ProclaimRequest request) => request;

    public override LeaderRequest ToCluster(LeaderRequest request) => request;

    public override ResignRequest ToCluster(ResignRequest request) => request;

    public override RangeResponse ToClient(RangeResponse response) => response;

    public override PutResponse ToClient(PutResponse response) => response;

    public override DeleteRangeResponse ToClient(DeleteRangeResponse response) => response;

    public override TxnResponse ToClient(TxnResponse response) => response;

    public override WatchResponse ToClient(WatchResponse response) => response;

    public override LeaseTimeToLiveResponse ToClient(LeaseTimeToLiveResponse response) => response;

    public override LockResponse ToClient(LockResponse response) => response;

    public override CampaignResponse ToClient(CampaignResponse response) => response;

    public override LeaderResponse ToClient(LeaderResponse response) => response;
}
