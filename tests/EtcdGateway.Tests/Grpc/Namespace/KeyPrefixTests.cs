using EtcdGateway.Grpc.Namespace;
using Google.Protobuf;
using static EtcdGateway.Tests.Grpc.Namespace.Latin1;

namespace EtcdGateway.Tests.Grpc.Namespace;

public class KeyPrefixTests
{
    [Theory]
    [InlineData("ns/", "ns0")]
    [InlineData("a", "b")]
    [InlineData("\0", "\x01")]
    [InlineData("a\xFF", "b")]
    [InlineData("a\xFF\xFF", "b")]
    [InlineData("\xFEz\xFF", "\xFE{")]
    public void End_Is_The_First_Key_After_Every_Key_With_The_Prefix(string prefix, string end)
    {
        Assert.Equal(end, Text(new KeyPrefix(Key(prefix)).End));
    }

    [Theory]
    [InlineData("\xFF")]
    [InlineData("\xFF\xFF\xFF")]
    public void End_Of_A_Prefix_Of_Only_0xFF_Is_The_End_Of_The_Key_Space(string prefix)
    {
        // Nothing comes after every key starting with 0xFF..FF; etcd writes "to the end" as "\0".
        Assert.Equal("\0", Text(new KeyPrefix(Key(prefix)).End));
    }

    [Theory]
    [InlineData("ns/")]
    [InlineData("a\xFF")]
    [InlineData("\xFF")]
    [InlineData("\xFF\xFF")]
    [InlineData("\0")]
    [InlineData("\0\xFF")]
    [InlineData("\xFE\xFF")]
    public void The_Range_From_Prefix_To_End_Holds_Exactly_The_Keys_Starting_With_The_Prefix(string text)
    {
        // Every key of up to three bytes over an alphabet with the edge bytes: inside the range <=> starts with the prefix.
        var prefix = new KeyPrefix(Key(text));
        var alphabet = new byte[] { 0x00, 0x01, (byte)'/', (byte)'0', (byte)'a', (byte)'b', (byte)'n', (byte)'s', 0xFE, 0xFF };
        var toEnd = KeyPrefix.IsFromKey(prefix.End);
        foreach (var key in AllKeys(alphabet, 3).Select(k => k.ToArray()))
        {
            var inRange = key.AsSpan().SequenceCompareTo(prefix.Bytes.Span) >= 0
                && (toEnd || key.AsSpan().SequenceCompareTo(prefix.End.Span) < 0);
            Assert.True(inRange == key.AsSpan().StartsWith(prefix.Bytes.Span), $"key {Convert.ToHexString(key)}: in range {inRange}");
        }
    }

    [Fact]
    public void A_Prefix_Ending_In_0xFF_Does_Not_Reach_The_Next_Key_Outside()
    {
        // etcd's client/v3/namespace wraps "a\xFF" to "b\x00", a range that takes in the key "b".
        var end = new KeyPrefix(Key("a\xFF")).End;
        Assert.True(Key("b").Span.SequenceCompareTo(end.Span) >= 0);
    }

    [Fact]
    public void Add_Puts_The_Prefix_In_Front()
    {
        var prefix = new KeyPrefix(Key("ns/"));
        Assert.Equal("ns/a", Text(prefix.Add(Key("a"))));
        Assert.Equal("ns/\0", Text(prefix.Add(Key("\0"))));
        Assert.Equal("ns/\xFF", Text(prefix.Add(Key("\xFF"))));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("\0", "ns0")]
    [InlineData("b", "ns/b")]
    [InlineData("\0\0", "ns/\0\0")]
    [InlineData("\x01", "ns/\x01")]
    public void AddToRangeEnd_Keeps_A_Single_Key_Single_And_From_Key_Inside_The_Namespace(string end, string clusterEnd)
    {
        Assert.Equal(clusterEnd, Text(new KeyPrefix(Key("ns/")).AddToRangeEnd(Key(end))));
    }

    [Theory]
    [InlineData("ns/a", true, "a")]
    [InlineData("ns/a/b", true, "a/b")]
    [InlineData("ns/\0", true, "\0")]
    [InlineData("ns/", false, "")]
    [InlineData("ns", false, "")]
    [InlineData("ns0", false, "")]
    [InlineData("other/a", false, "")]
    [InlineData("", false, "")]
    public void TryRemove_Shows_Only_Keys_A_Client_Of_The_Namespace_Can_Name(string key, bool inside, string clientKey)
    {
        var shown = new KeyPrefix(Key("ns/")).TryRemove(Key(key), out var stripped);
        Assert.Equal(inside, shown);
        Assert.Equal(clientKey, Text(stripped));
    }

    [Fact]
    public void TryRemoveFromName_Takes_The_Prefix_Alone_As_The_Empty_Name()
    {
        var prefix = new KeyPrefix(Key("ns/"));
        Assert.True(prefix.TryRemoveFromName(Key("ns/"), out var empty));
        Assert.Equal("", Text(empty));
        Assert.True(prefix.TryRemoveFromName(Key("ns/lock"), out var name));
        Assert.Equal("lock", Text(name));
        Assert.False(prefix.TryRemoveFromName(Key("other"), out _));
    }

    [Fact]
    public void An_Empty_Prefix_Is_Refused_Because_No_Namespace_Is_The_Whole_Key_Space()
    {
        Assert.Throws<ArgumentException>(() => new KeyPrefix(ByteString.Empty));
    }

    private static IEnumerable<List<byte>> AllKeys(byte[] alphabet, int maxLength)
    {
        IEnumerable<List<byte>> current = [[]];
        for (var length = 1; length <= maxLength; length++)
        {
            current = current.SelectMany(k => alphabet.Select(b => new List<byte>(k) { b })).ToList();
            foreach (var key in current)
            {
                yield return key;
            }
        }
    }
}
