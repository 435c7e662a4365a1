using System.Text;
using Google.Protobuf;

namespace EtcdGateway.Grpc.Registration;

/// <summary>
/// Key naming under <c>--resolver-prefix</c>: a proxy registers <c>PREFIX/ADDR</c>, and the registrations are every key
/// starting with <c>PREFIX/</c> (etcd's endpoints manager reads exactly that range, so <c>PREFIX</c> itself and
/// <c>PREFIXother/...</c> are not part of it).
/// </summary>
internal static class RegistrationKeys
{
    public static string For(string prefix, string address) => $"{prefix}/{address}";

    /// <summary>The first key of the registrations' range.</summary>
    public static ByteString RangeStart(string prefix) => ByteString.CopyFromUtf8($"{prefix}/");

    /// <summary>The range end of every key starting with <c>PREFIX/</c>: that prefix with its last byte incremented (etcd's prefix end).</summary>
    public static ByteString RangeEnd(string prefix)
    {
        var end = Encoding.UTF8.GetBytes($"{prefix}/");

        // "/" is 0x2F, so the last byte can always be incremented; the loop is the general rule all the same.
        for (var i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] < 0xFF)
            {
                end[i]++;
                return ByteString.CopyFrom(end.AsSpan(0, i + 1));
            }
        }

        return ByteString.CopyFrom(0);
    }
}
