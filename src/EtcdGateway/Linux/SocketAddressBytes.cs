using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace EtcdGateway.Linux;

/// <summary>Linux <c>sockaddr_in</c> / <c>sockaddr_in6</c> as bytes: family in host order, port in network order.</summary>
internal static class SocketAddressBytes
{
    private const ushort FamilyInet = 2;
    private const ushort FamilyInet6 = 10;

    /// <summary>Room for either kind.</summary>
    public const int MaxLength = 28;

    /// <summary>Writes the sockaddr into <paramref name="bytes"/> (at least <see cref="MaxLength"/> long); returns its length.</summary>
    public static int Encode(IPEndPoint endPoint, Span<byte> bytes)
    {
        var ipv6 = endPoint.AddressFamily == AddressFamily.InterNetworkV6;
        bytes[..(ipv6 ? 28 : 16)].Clear();
        BitConverter.TryWriteBytes(bytes[..2], ipv6 ? FamilyInet6 : FamilyInet);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.Slice(2, 2), (ushort)endPoint.Port);
        if (ipv6)
        {
            endPoint.Address.TryWriteBytes(bytes.Slice(8, 16), out _);
            BitConverter.TryWriteBytes(bytes.Slice(24, 4), (uint)endPoint.Address.ScopeId);
            return 28;
        }

        endPoint.Address.TryWriteBytes(bytes.Slice(4, 4), out _);
        return 16;
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
