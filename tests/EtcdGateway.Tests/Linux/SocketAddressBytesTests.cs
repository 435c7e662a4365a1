using System.Net;
using EtcdGateway.Linux;

namespace EtcdGateway.Tests.Linux;

public class SocketAddressBytesTests
{
    [Fact]
    public void IPv4_IsASockaddrIn_FamilyInHostOrder_PortInNetworkOrder()
    {
        var bytes = Encode(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 2379));

        Assert.Equal([2, 0, 0x09, 0x4B, 10, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0], bytes);
    }

    [Fact]
    public void IPv6_IsASockaddrIn6_WithTheScopeIdLast()
    {
        var address = IPAddress.Parse("fe80::1%3");
        var bytes = Encode(new IPEndPoint(address, 443));

        Assert.Equal(28, bytes.Length);
        Assert.Equal([10, 0, 0x01, 0xBB, 0, 0, 0, 0], bytes[..8]);
        Assert.Equal(address.GetAddressBytes(), bytes[8..24]);
        Assert.Equal([3, 0, 0, 0], bytes[24..]);
    }

    [Theory]
    [InlineData("127.0.0.1", 1)]
    [InlineData("192.168.10.20", 65535)]
    [InlineData("::1", 2379)]
    [InlineData("2001:db8::42", 23790)]
    public void Decode_ReadsBackWhatEncodeWrote(string ip, int port)
    {
        var endPoint = new IPEndPoint(IPAddress.Parse(ip), port);

        Assert.Equal(endPoint, SocketAddressBytes.Decode(Encode(endPoint)));
    }

    [Fact]
    public void Decode_RefusesShortOrForeignAddresses()
    {
        Assert.Null(SocketAddressBytes.Decode(new byte[8]));
        Assert.Null(SocketAddressBytes.Decode([1, 0, .. new byte[108]])); // AF_UNIX
        Assert.Null(SocketAddressBytes.Decode([10, 0, .. new byte[14]])); // AF_INET6 cut short
    }

    private static byte[] Encode(IPEndPoint endPoint)
    {
        var bytes = new byte[SocketAddressBytes.MaxLength];
        return bytes[..SocketAddressBytes.Encode(endPoint, bytes)];
    }
}
