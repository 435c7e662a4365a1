using EtcdGateway.Protos.Etcdserverpb;
using EtcdGateway.Protos.Mvccpb;

namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// Turns shared events into one watcher's responses as etcd would send them to it: only events from its next revision
/// on, its filters applied (a response left empty by them is not sent), prev_kv only if it asked, cut into fragments if
/// it asked and the response is over a member's default request limit; a catch-up batch holds at most 1,000 revisions.
/// A watcher that did not ask for fragments gets a batch over that limit as several responses of whole revisions, so a
/// late or slow watcher is not sent one message larger than a client takes by default (4 MiB) for want of the option.
/// </summary>
internal static class WatcherResponses
{
    /// <summary>etcd's default <c>--max-request-bytes</c> (1.5 MiB) plus its gRPC overhead allowance (512 KiB): where it cuts fragments.</summary>
    public const int FragmentLimit = (int)(1.5 * 1024 * 1024) + (512 * 1024);

    /// <summary>etcd's <c>watchBatchMaxRevs</c>: the revisions one catch-up response carries at most.</summary>
    public const int BatchMaxRevisions = 1000;

    /// <summary>
    /// The history's responses as one catch-up batch (or several, over 1,000 revisions), each under its last entry's
    /// header at no older a revision than <paramref name="storeRevision"/>: etcd sends a catch-up batch under the store's
    /// revision when it reads it (its <c>syncWatchers</c>), not under the revision of the batch's last event.
    /// </summary>
    public static int AddBatch(List<WatchResponse> output, ClientWatcher watcher, IReadOnlyList<HistoryEntry> entries, long storeRevision = 0)
    {
        var delivered = 0;
        var events = new List<Event>();
        var revisions = 0;
        ResponseHeader? header = null;
        foreach (var entry in entries)
        {
            var entryRevisions = entry.LastRevision - Math.Max(entry.FirstRevision, watcher.Next) + 1;
            if (revisions > 0 && revisions + entryRevisions > BatchMaxRevisions)
            {
                delivered += Add(output, watcher, AtLeast(header!, storeRevision), events);
                events.Clear();
                revisions = 0;
            }

            events.AddRange(entry.Events);
            revisions += (int)Math.Max(entryRevisions, 1);
            header = entry.Header;
        }

        if (header is not null)
        {
            delivered += Add(output, watcher, AtLeast(header, storeRevision), events);
        }

        return delivered;
    }

    private static ResponseHeader AtLeast(ResponseHeader header, long revision)
    {
        if (header.Revision >= revision)
        {
            return header;
        }

        var copy = header.Clone();
        copy.Revision = revision;
        return copy;
    }

    /// <summary>One response's events for <paramref name="watcher"/>, advancing its next revision; the number of events sent.</summary>
    public static int Add(List<WatchResponse> output, ClientWatcher watcher, ResponseHeader header, IReadOnlyList<Event> events)
    {
        var request = watcher.Request;
        var noPut = request.Filters.Contains(WatchCreateRequest.Types.FilterType.Noput);
        var noDelete = request.Filters.Contains(WatchCreateRequest.Types.FilterType.Nodelete);
        var response = new WatchResponse { Header = header, WatchId = watcher.Id };
        var last = 0L;
        foreach (var change in events)
        {
            var revision = change.Kv.ModRevision;
            if (revision < watcher.Next)
            {
                continue;
            }

            last = revision;
            if ((noPut && change.Type == Event.Types.EventType.Put) || (noDelete && change.Type == Event.Types.EventType.Delete))
            {
                continue;
            }

            response.Events.Add(request.PrevKv || change.PrevKv is null ? change : new Event { Type = change.Type, Kv = change.Kv });
        }

        // Events filtered out were still passed: the watcher is past them.
        if (last >= watcher.Next)
        {
            watcher.Next = last + 1;
        }

        if (response.Events.Count == 0)
        {
            return 0;
        }

        if (request.Fragment)
        {
            AddFragments(output, response);
        }
        else
        {
            AddWholeRevisions(output, response);
        }

        return response.Events.Count;
    }

    /// <summary>A response over the limit as several, each of whole revisions, each under the limit unless one revision is not.</summary>
    private static void AddWholeRevisions(List<WatchResponse> output, WatchResponse whole)
    {
        if (whole.Events.Count < 2 || whole.CalculateSize() < FragmentLimit)
        {
            output.Add(whole);
            return;
        }

        var piece = new WatchResponse { Header = whole.Header, WatchId = whole.WatchId };
        var size = 0L;
        var events = whole.Events;
        for (var i = 0; i < events.Count;)
        {
            var revision = events[i].Kv.ModRevision;
            var end = i;
            var revisionSize = 0L;
            for (; end < events.Count && events[end].Kv.ModRevision == revision; end++)
            {
                revisionSize += events[end].CalculateSize() + 8;
            }

            if (piece.Events.Count > 0 && size + revisionSize >= FragmentLimit)
            {
                output.Add(piece);
                piece = new WatchResponse { Header = whole.Header, WatchId = whole.WatchId };
                size = 0;
            }

            for (; i < end; i++)
            {
                piece.Events.Add(events[i]);
            }

            size += revisionSize;
        }

        output.Add(piece);
    }

    /// <summary>etcd's <c>sendFragments</c>: pieces as large as fit under the limit (at least one event each), the last not marked.</summary>
    private static void AddFragments(List<WatchResponse> output, WatchResponse whole)
    {
        if (whole.CalculateSize() < FragmentLimit || whole.Events.Count < 2)
        {
            output.Add(whole);
            return;
        }

        var index = 0;
        while (index < whole.Events.Count)
        {
            var piece = new WatchResponse { Header = whole.Header, WatchId = whole.WatchId, Fragment = true };
            for (; index < whole.Events.Count; index++)
            {
                piece.Events.Add(whole.Events[index]);
                if (piece.Events.Count > 1 && piece.CalculateSize() >= FragmentLimit)
                {
                    piece.Events.RemoveAt(piece.Events.Count - 1);
                    break;
                }
            }

            piece.Fragment = index < whole.Events.Count;
            output.Add(piece);
        }
    }
}
