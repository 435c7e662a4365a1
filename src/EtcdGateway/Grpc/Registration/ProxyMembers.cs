using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EtcdGateway.Protos.Etcdserverpb;

namespace EtcdGateway.Grpc.Registration;

/// <summary>
/// The member list a proxy with an advertise URL answers, in etcd's proxy's shape: one member per registered proxy, named
/// as it registered (its host name), its advertised address as the only client URL, no peer URLs; the proxy alone when
/// no proxy is registered (its own registration may not have landed yet) or when it registers nowhere.
/// </summary>
internal static class ProxyMembers
{
    /// <summary>The registered proxies, in key order, or the proxy itself when there are none.</summary>
    public static MemberListResponse FromRegistrations(IReadOnlyList<RegisteredProxy> registrations, ProxyRegistrationOptions self, ResponseHeader? header)
    {
        if (registrations.Count == 0)
        {
            return Itself(self, header);
        }

        var response = new MemberListResponse { Header = header };
        response.Members.AddRange(registrations.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => Member(r.Address, r.Name)));
        return response;
    }

    public static MemberListResponse Itself(ProxyRegistrationOptions self, ResponseHeader? header) =>
        new() { Header = header, Members = { Member(self.AdvertiseClientUrl, self.Name) } };

    /// <summary>
    /// A member ID for a proxy: stable for its address, never 0. etcd's proxy sends 0 for every proxy, so a tool that tells
    /// members apart by ID would take them all for one.
    /// </summary>
    public static ulong MemberIdFor(string address)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(address), hash);
        var id = BinaryPrimitives.ReadUInt64BigEndian(hash);
        return id == 0 ? 1 : id;
    }

    private static Member Member(string address, string name) =>
        new() { ID = MemberIdFor(address), Name = name, ClientURLs = { address } };
}
