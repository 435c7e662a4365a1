using System.Text;
using Google.Protobuf;

namespace EtcdGateway.Tests.Grpc.Namespace;

/// <summary>Keys written as text where each character is one byte ("a\xFF" is 0x61 0xFF), so tests read as bytes and fail readably.</summary>
internal static class Latin1
{
    public static ByteString Key(string text) => ByteString.CopyFrom(text, Encoding.Latin1);

    public static string Text(ByteString key) => Encoding.Latin1.GetString(key.Span);
}
