using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;

namespace EtcdGateway.Grpc.Watch;

/// <summary>A client watch stream's cancel requests, answered at the store's revision as etcd answers them (see the other parts).</summary>
internal sealed partial class WatchSession
{
    private async Task CancelAsync(long id)
    {
        // etcd answers nothing for an id no watcher holds.
        if (_table.Find(id) is not { } watcher)
        {
            return;
        }

        // What the watcher has been sent (a start revision still ahead of the store is not a revision the store has).
        var sent = watcher.Shared is { } shared ? Math.Min(watcher.Next - 1, shared.Read(long.MaxValue).Through) : 0;
        Detach(watcher);
        _table.Remove(watcher);
        _toClient.Add(WatchMessages.Canceled(await StoreHeaderAsync(watcher.Request, sent), id));
    }

    /// <summary>
    /// The store's revision now, as etcd answers a cancel with it: a count-only Range over the watcher's own keys (the
    /// client may read those), never older than what the watcher was sent (<paramref name="sent"/>); the last header known
    /// if no member answers.
    /// </summary>
    private async Task<ResponseHeader> StoreHeaderAsync(WatchCreateRequest keys, long sent)
    {
        ResponseHeader? header = null;
        try
        {
            header = (await _permission.CheckAsync(keys, _options, requiresLeader: false, _ended))?.Header;
        }
        catch (RpcException)
        {
            // No member answered: the last header known will do.
        }

        header ??= _lastHeader;
        if (header.Revision < sent)
        {
            header = AtRevision(header, sent);
        }

        _lastHeader = header;
        return header;
    }
}
