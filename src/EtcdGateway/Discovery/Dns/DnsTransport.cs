using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace EtcdGateway.Discovery.Dns;

/// <summary>
/// One query to one nameserver, over UDP or over TCP, returning only a response that answers it. Timeouts are the
/// caller's, through the cancellation token.
/// </summary>
internal static class DnsTransport
{
    /// <summary>
    /// The UDP payload size we advertise with EDNS0: the value of DNS Flag Day 2020, small enough to avoid IP
    /// fragmentation on ordinary paths, large enough for an SRV set of a few members.
    /// </summary>
    public const ushort UdpPayloadSize = 1232;

    // A server may ignore the advertised size; a datagram cut short by a small buffer would just read as malformed.
    private const int MaxDatagramLength = 65535;

    /// <summary>
    /// Sends the query and waits for a datagram that answers it: from the server asked, with our id, the QR bit, and our
    /// question. Anything else (a late answer to an earlier query, a forgery, garbage) is dropped and the wait goes on
    /// until <paramref name="cancellationToken"/> fires.
    /// </summary>
    /// <exception cref="SocketException">The send failed, or the server's port is closed (ICMP port unreachable).</exception>
    public static async Task<DnsMessage> ExchangeUdpAsync(IPEndPoint server, ushort id, DnsQuestion question, CancellationToken cancellationToken)
    {
        // A new socket on a kernel-chosen port for every query: with the random id, that is what makes a forged answer
        // hard to land (RFC 5452). Connecting it makes the kernel drop datagrams from elsewhere and report an ICMP
        // "port unreachable" as a refused connection, instead of leaving us to wait for the timeout.
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        var anyAddress = server.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        socket.Bind(new IPEndPoint(anyAddress, 0));
        socket.Connect(server);
        await socket.SendAsync(DnsQueryWriter.Write(id, question.Name, question.Type, UdpPayloadSize), SocketFlags.None, cancellationToken);

        var buffer = new byte[MaxDatagramLength];
        var anySender = new IPEndPoint(anyAddress, 0);
        while (true)
        {
            var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, anySender, cancellationToken);
            if (server.Equals(received.RemoteEndPoint)
                && DnsMessageReader.TryParse(buffer.AsSpan(0, received.ReceivedBytes), out var response, out _)
                && Answers(response, id, question))
            {
                return response;
            }
        }
    }

    /// <summary>The same query over TCP (RFC 1035 section 4.2.2: each message preceded by its 2-byte length), for an answer that did not fit in UDP.</summary>
    /// <exception cref="SocketException">The connection failed.</exception>
    /// <exception cref="IOException">The connection broke or closed before the whole answer came.</exception>
    /// <exception cref="DnsFormatException">The answer is malformed or does not answer the query.</exception>
    public static async Task<DnsMessage> ExchangeTcpAsync(IPEndPoint server, ushort id, DnsQuestion question, CancellationToken cancellationToken)
    {
        var query = DnsQueryWriter.Write(id, question.Name, question.Type);
        var framed = new byte[2 + query.Length];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);

        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server, cancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(framed, cancellationToken);

        var lengthPrefix = new byte[2];
        await stream.ReadExactlyAsync(lengthPrefix, cancellationToken);
        var answer = new byte[BinaryPrimitives.ReadUInt16BigEndian(lengthPrefix)];
        await stream.ReadExactlyAsync(answer, cancellationToken);

        var response = DnsMessageReader.Parse(answer);
        return Answers(response, id, question)
            ? response
            : throw new DnsFormatException("the answer over TCP is not for the question asked");
    }

    private static bool Answers(DnsMessage response, ushort id, DnsQuestion question) =>
        response.Header.IsResponse
        && response.Header.Id == id
        && response.Questions.Count == 1
        && response.Questions[0].Type == question.Type
        && response.Questions[0].Class == question.Class
        && DnsName.AreEqual(response.Questions[0].Name, question.Name);
}
