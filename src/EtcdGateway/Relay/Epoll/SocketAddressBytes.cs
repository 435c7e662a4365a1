using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace EtcdGateway.Relay.Epoll;

/// <summary>Linux <c>sockaddr_in</c> / <c>sockaddr_in6</c> as bytes: family in host order, port in network order.</summary>
internal static class SocketAddressBytes
{
    private const ushort FamilyInet = 2;
    private const ushort FamilyInet6 = 10;

    public static byte[] Encode(IPEndPoint endPoint)
    {
        var ipv6 = endPoint.AddressFamily == AddressFamily.InterNetworkV6;
        var bytes = new byte[ipv6 ? 28 : 16];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 2), ipv6 ? FamilyInet6 : FamilyInet);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2, 2), (ushort)endPoint.Port);
        if (ipv6)
        {
            endPoint.Address.TryWriteBytes(bytes.AsSpan(8, 16), out _);
            BitConverter.TryWriteBytes(bytes.AsSpan(24, 4), (uint)endPoint.Address.ScopeId);
        }
        else
        {
            endPoint.Address.TryWriteBytes(bytes.AsSpan(4, 4), out _);
        }

        return bytes;
    }

    /// <summary>The address in a sockaddr the kernel filled in; null for a family other than IPv4 or IPv6, or too few bytes.</summary>
    public static IPEndPoint? Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 16)
        {
            return null;
        }

        var family = BitConverter.ToUInt16(bytes[..2]);
        var port = BinaryPrimitives.ReadUInt16BigEndian(bytes.Slice(2, 2));
        if (family == FamilyInet)
        {
            return new IPEndPoint(new IPAddress(bytes.Slice(4, 4)), port);
        }

        if (family == FamilyInet6 && bytes.Length >= 28)
        {
            return new IPEndPoint(new IPAddress(bytes.Slice(8, 16), BitConverter.ToUInt32(bytes.Slice(24, 4))), port);
        }

        return null;
    }
}
