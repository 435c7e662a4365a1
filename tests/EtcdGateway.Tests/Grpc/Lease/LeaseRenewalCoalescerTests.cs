using EtcdGateway.Grpc.Lease;
using EtcdGateway.Grpc.Metrics;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;

namespace EtcdGateway.Tests.Grpc.Lease;

/// <summary>Many clients' keep-alives as renewals on the cluster: what is sent, who gets which answer, what is forgotten when.</summary>
public class LeaseRenewalCoalescerTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly List<long> _renewals = [];
    private readonly LeaseKeepAliveMetrics _metrics = new();
    private readonly LeaseRenewalCoalescer _leases;

    public LeaseRenewalCoalescerTests() => _leases = new LeaseRenewalCoalescer(_time, _renewals.Add, _metrics);

    [Fact]
    public void Keep_Alives_For_A_Lease_With_A_Renewal_In_Flight_Wait_For_It_And_Share_The_Clusters_Answer()
    {
        var clients = Enumerable.Range(0, 100).Select(_ => new RecordingWaiter()).ToList();
        foreach (var client in clients)
        {
            _leases.KeepAlive(7, client);
        }

        Assert.Equal([7], _renewals);
        Assert.All(clients, c => Assert.Empty(c.Answers));

        var answer = Answer(7, ttl: 30, member: 3);
        _leases.Answered(answer);

        Assert.All(clients, c => Assert.Same(answer, Assert.Single(c.Answers)));
        Assert.Equal((100, 1), (_metrics.KeepAlives, _metrics.Renewals));
    }

    [Fact]
    public void A_Client_That_Sent_Two_Keep_Alives_Gets_Two_Answers()
    {
        var client = new RecordingWaiter();
        _leases.KeepAlive(7, client);
        _leases.KeepAlive(7, client);
        _leases.Answered(Answer(7, ttl: 30));

        Assert.Equal(2, client.Answers.Count);
        Assert.Single(_renewals);
    }

    [Fact]
    public void A_Keep_Alive_Within_The_Window_After_An_Answer_Gets_That_Answer_Without_A_Renewal()
    {
        _leases.KeepAlive(7, new RecordingWaiter());
        var answer = Answer(7, ttl: 30);
        _leases.Answered(answer);

        _time.Advance(LeaseRenewalCoalescer.LongestReuse - TimeSpan.FromMilliseconds(1));
        var late = new RecordingWaiter();
        _leases.KeepAlive(7, late);

        Assert.Same(answer, Assert.Single(late.Answers));
        Assert.Single(_renewals);
    }

    [Fact]
    public void A_Keep_Alive_After_The_Window_Renews_Again()
    {
        _leases.KeepAlive(7, new RecordingWaiter());
        _leases.Answered(Answer(7, ttl: 30));

        _time.Advance(LeaseRenewalCoalescer.LongestReuse);
        var later = new RecordingWaiter();
        _leases.KeepAlive(7, later);

        Assert.Equal([7, 7], _renewals);
        Assert.Empty(later.Answers);
        var fresh = Answer(7, ttl: 30);
        _leases.Answered(fresh);
        Assert.Same(fresh, Assert.Single(later.Answers));
    }

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(5, 500)]
    [InlineData(60, 500)]
    [InlineData(0, 500)]
    [InlineData(-1, 500)]
    public void The_Window_Is_A_Tenth_Of_The_TTL_At_Most_Half_A_Second(long ttl, int milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), LeaseRenewalCoalescer.ReuseWindow(ttl));

    [Fact]
    public void Nothing_Is_Renewed_Without_A_Client_Keep_Alive()
    {
        _leases.KeepAlive(7, new RecordingWaiter());
        _leases.Answered(Answer(7, ttl: 3));

        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            _leases.Sweep();
        }

        Assert.Single(_renewals);
    }

    [Fact]
    public void Different_Leases_Are_Renewed_Each_And_Answered_By_Id_In_Any_Order()
    {
        var a = new RecordingWaiter();
        var b = new RecordingWaiter();
        _leases.KeepAlive(1, a);
        _leases.KeepAlive(2, b);
        _leases.KeepAlive(1, b);

        _leases.Answered(Answer(2, ttl: 20));
        _leases.Answered(Answer(1, ttl: 10));

        Assert.Equal([1, 2], _renewals);
        Assert.Equal([1], a.Answers.Select(r => r.ID));
        Assert.Equal([(2L, 20L), (1L, 10L)], b.Answers.Select(r => (r.ID, r.TTL)));
    }

    [Fact]
    public void A_Lease_That_No_Longer_Exists_Is_Answered_As_The_Cluster_Answered()
    {
        var client = new RecordingWaiter();
        _leases.KeepAlive(9, client);
        var gone = Answer(9, ttl: 0);
        _leases.Answered(gone);

        Assert.Same(gone, Assert.Single(client.Answers));
        Assert.Equal(0, client.Answers[0].TTL);
    }

    [Fact]
    public void A_Revoked_Lease_Is_Asked_Again_Not_Answered_From_Before()
    {
        _leases.KeepAlive(7, new RecordingWaiter());
        _leases.Answered(Answer(7, ttl: 30));

        _leases.Forget(7);
        var client = new RecordingWaiter();
        _leases.KeepAlive(7, client);

        Assert.Equal([7, 7], _renewals);
        Assert.Empty(client.Answers);
    }

    [Fact]
    public void A_Failed_Stream_Fails_The_Clients_Waiting_And_The_Next_Keep_Alive_Renews_Anew()
    {
        var waiting = new RecordingWaiter();
        var answered = new RecordingWaiter();
        _leases.KeepAlive(1, answered);
        _leases.Answered(Answer(1, ttl: 30));
        _leases.KeepAlive(2, waiting);

        var refused = new RpcException(new Status(StatusCode.PermissionDenied, "etcdserver: permission denied"));
        _leases.Failed(refused);

        Assert.Same(refused, waiting.Failure);
        Assert.Null(answered.Failure);

        var again = new RecordingWaiter();
        _leases.KeepAlive(2, again);
        Assert.Equal([1, 2, 2], _renewals);
    }

    [Fact]
    public void A_Lease_Is_Counted_Until_Its_TTL_Has_Passed_Since_The_Last_Keep_Alive()
    {
        _leases.KeepAlive(7, new RecordingWaiter());
        _leases.Answered(Answer(7, ttl: 5));
        Assert.Equal(1, _metrics.Leases);

        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(1, _leases.Sweep());
        _leases.KeepAlive(7, new RecordingWaiter());
        _leases.Answered(Answer(7, ttl: 5));

        _time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(1, _leases.Sweep());
        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(0, _leases.Sweep());
        Assert.Equal(0, _metrics.Leases);
    }

    [Fact]
    public void A_Lease_Waiting_For_Its_Answer_Is_Never_Forgotten()
    {
        var client = new RecordingWaiter();
        _leases.KeepAlive(7, client);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, _leases.Sweep());

        _leases.Answered(Answer(7, ttl: 5));
        Assert.Single(client.Answers);
    }

    private static LeaseKeepAliveResponse Answer(long id, long ttl, ulong member = 1) =>
        new() { ID = id, TTL = ttl, Header = new ResponseHeader { ClusterId = 11, MemberId = member, Revision = 5, RaftTerm = 2 } };

    private sealed class RecordingWaiter : IKeepAliveWaiter
    {
        public List<LeaseKeepAliveResponse> Answers { get; } = [];

        public RpcException? Failure { get; private set; }

        public void Answer(LeaseKeepAliveResponse response) => Answers.Add(response);

        public void Fail(RpcException error) => Failure = error;
    }
}
