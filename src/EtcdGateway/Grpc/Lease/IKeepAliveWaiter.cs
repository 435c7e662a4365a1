using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;

namespace EtcdGateway.Grpc.Lease;

/// <summary>
/// A client keep-alive stream as <see cref="LeaseRenewalCoalescer"/> answers it: one call per keep-alive it sent, from
/// whichever thread has the cluster's answer. Neither call may wait (the coalescer calls them outside its lock, but on the
/// shared stream's loop).
/// </summary>
internal interface IKeepAliveWaiter
{
    /// <summary>The cluster's answer to a keep-alive the client sent.</summary>
    void Answer(LeaseKeepAliveResponse response);

    /// <summary>The keep-alive the client sent cannot be answered: its stream ends with <paramref name="error"/>, as etcd ends it.</summary>
    void Fail(RpcException error);
}
