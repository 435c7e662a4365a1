using System.Text;
using EtcdGateway.Grpc.Cache;
using Google.Protobuf;

namespace EtcdGateway.Tests.Grpc.Cache;

public class KeyRangeTests
{
    private static ByteString B(string text) => ByteString.CopyFrom(text, Encoding.Latin1);

    private static KeyRange R(string key, string end) => new(B(key), B(end));

    [Theory]
    [InlineData("a", "", "a", true)]
    [InlineData("a", "", "ab", false)]
    [InlineData("a", "c", "b", true)]
    [InlineData("a", "c", "c", false)]
    [InlineData("a", "c", "a", true)]
    [InlineData("b", "\0", "zzz", true)]
    [InlineData("b", "\0", "a", false)]
    [InlineData("\0", "\0", "a", true)]
    public void Contains_Reads_The_End_As_Etcd_Does(string key, string end, string probe, bool inside)
    {
        Assert.Equal(inside, R(key, end).Contains(B(probe)));
    }

    [Theory]
    [InlineData("a", "", "a", "", true)]
    [InlineData("a", "", "b", "", false)]
    [InlineData("a", "", "a", "b", true)]
    [InlineData("b", "", "a", "b", false)]
    [InlineData("a", "c", "b", "d", true)]
    [InlineData("a", "c", "c", "d", false)]
    [InlineData("a", "c", "b", "\0", true)]
    [InlineData("a", "c", "c", "\0", false)]
    [InlineData("x", "\0", "a", "\0", true)]
    [InlineData("x", "\0", "y", "", true)]
    [InlineData("x", "\0", "w", "", false)]
    public void Intersects_Is_Symmetric_And_Exact(string key, string end, string otherKey, string otherEnd, bool meet)
    {
        Assert.Equal(meet, R(key, end).Intersects(R(otherKey, otherEnd)));
        Assert.Equal(meet, R(otherKey, otherEnd).Intersects(R(key, end)));
    }
}
