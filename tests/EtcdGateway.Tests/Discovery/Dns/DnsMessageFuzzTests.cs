using System.Diagnostics;
using EtcdGateway.Discovery.Dns;

namespace EtcdGateway.Tests.Discovery.Dns;

/// <summary>
/// Mutated and random messages: the reader must answer every one with a message or a <see cref="DnsFormatException"/>,
/// quickly, and without allocating by a count the bytes claim. The seed is printed; set DNS_FUZZ_SEED to replay a run.
/// </summary>
public class DnsMessageFuzzTests(ITestOutputHelper output)
{
    private const int MutatedMessages = 20_000;
    private const int RandomMessages = 5_000;

    // A message of at most a few hundred bytes yields a few hundred records at most; a list sized by a 65535 count would not fit.
    private const long MaxAllocationPerMessage = 512 * 1024;

    [Fact]
    public async Task MutatedAndRandomMessages_AreReadOrRefused_NeverCrashHangOrBalloon()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("DNS_FUZZ_SEED"), out var fixedSeed) ? fixedSeed : 2782;
        output.WriteLine($"DNS fuzz seed {seed} (DNS_FUZZ_SEED={seed} replays it)");

        // On its own thread with a deadline (TimeoutException): a loop in the reader must fail the test, not hang the run.
        var (read, refused) = await Task.Run(() => Fuzz(new Random(seed))).WaitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"{read} read, {refused} refused");

        // Both outcomes must occur, or the mutations are not reaching the reader's checks (or its happy path).
        Assert.InRange(read, 1_000, MutatedMessages + RandomMessages);
        Assert.InRange(refused, 1_000, MutatedMessages + RandomMessages);
    }

    private static (int Read, int Refused) Fuzz(Random random)
    {
        byte[][] seeds =
        [
            DnsMessageReaderTests.CompressedSrvAnswer,
            DnsQueryWriter.Write(0x4321, "_etcd-server-ssl._tcp.example.test", DnsRecordType.SRV, 1232),
            DnsResponseWriter.Write(
                new DnsHeader(9, true, 0, false, false, true, true, DnsResponseCode.NoError),
                [new DnsQuestion("etcd.example.test", DnsRecordType.A, 1)],
                [DnsResponseWriter.Cname("etcd.example.test", "m1.example.test"), DnsResponseWriter.A("m1.example.test", "10.0.0.1"), DnsResponseWriter.Aaaa("m1.example.test", "fd00::1")],
                [DnsResponseWriter.Srv("x.example.test", 1, 2, 3, "m1.example.test")]),
        ];

        var read = 0;
        var refused = 0;
        for (var i = 0; i < MutatedMessages + RandomMessages; i++)
        {
            var packet = i < MutatedMessages ? Mutate(seeds[random.Next(seeds.Length)], random) : RandomBytes(random);
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var started = Stopwatch.GetTimestamp();
            try
            {
                _ = DnsMessageReader.Parse(packet);
                read++;
            }
            catch (DnsFormatException)
            {
                refused++;
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"message {i} ({Convert.ToHexString(packet)}) threw {e.GetType().Name}", e);
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (allocated > MaxAllocationPerMessage || elapsed > TimeSpan.FromSeconds(1))
            {
                throw new InvalidOperationException($"message {i} ({Convert.ToHexString(packet)}) took {elapsed} and {allocated} bytes");
            }
        }

        return (read, refused);
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = new List<byte>(seed);
        for (var mutations = random.Next(1, 5); mutations > 0 && bytes.Count > 0; mutations--)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0: // a flipped bit
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1: // cut short
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 2: // a stray byte
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 3: // a section count or RDLENGTH-sized field set to anything
                    var field = random.Next(2) == 0 ? 4 + (2 * random.Next(4)) : at;
                    if (field + 1 < bytes.Count)
                    {
                        var value = random.Next(3) == 0 ? 0xFFFF : random.Next(64);
                        (bytes[field], bytes[field + 1]) = ((byte)(value >> 8), (byte)value);
                    }

                    break;
                case 4: // a compression pointer anywhere, to anywhere: forward, to itself, into a loop
                    if (at + 1 < bytes.Count)
                    {
                        var target = random.Next(2) == 0 ? at : random.Next(bytes.Count);
                        (bytes[at], bytes[at + 1]) = ((byte)(0xC0 | (target >> 8)), (byte)target);
                    }

                    break;
                default: // a byte set to anything
                    bytes[at] = (byte)random.Next(256);
                    break;
            }
        }

        return [.. bytes];
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 600)];
        random.NextBytes(bytes);
        return bytes;
    }
}
