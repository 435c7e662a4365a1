using System.Globalization;
using System.Text;
using System.Text.Json;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc.Registration;

/// <summary>What is registered under a prefix and with which lease, as etcdctl reads it straight from the cluster.</summary>
internal static class RegistryReader
{
    public sealed record Entry(string Key, string Value, long Lease);

    public static async Task<IReadOnlyList<Entry>> ReadAsync(string endpoints, string prefix)
    {
        var result = await Etcdctl.RunAsync(endpoints, "get", "--prefix", prefix, "-w", "json");
        Assert.True(result.Succeeded, result.ToString());
        using var document = JsonDocument.Parse(result.StdOut);
        if (!document.RootElement.TryGetProperty("kvs", out var kvs))
        {
            return [];
        }

        return [.. kvs.EnumerateArray().Select(kv => new Entry(
            Decode(kv.GetProperty("key").GetString()!),
            Decode(kv.GetProperty("value").GetString()!),
            kv.TryGetProperty("lease", out var lease) ? lease.GetInt64() : 0))];
    }

    /// <summary>The lease's granted TTL in seconds (etcdctl lease timetolive), or -1 once it no longer exists.</summary>
    public static async Task<long> GrantedTtlAsync(string endpoints, long lease)
    {
        var result = await Etcdctl.RunAsync(endpoints, "lease", "timetolive", lease.ToString("x", CultureInfo.InvariantCulture), "-w", "json");
        Assert.True(result.Succeeded, result.ToString());
        using var document = JsonDocument.Parse(result.StdOut);
        return document.RootElement.GetProperty("ttl").GetInt64() < 0 ? -1 : document.RootElement.GetProperty("granted-ttl").GetInt64();
    }

    /// <summary>Polls until <paramref name="done"/> holds for what is registered, or fails the test after <paramref name="timeout"/>.</summary>
    public static async Task<(IReadOnlyList<Entry> Entries, TimeSpan Elapsed)> WaitAsync(
        string endpoints, string prefix, Func<IReadOnlyList<Entry>, bool> done, TimeSpan timeout, Func<string>? context = null)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            var entries = await ReadAsync(endpoints, prefix);
            if (done(entries))
            {
                return (entries, DateTime.UtcNow - started);
            }

            if (DateTime.UtcNow - started > timeout)
            {
                Assert.Fail($"not reached within {timeout}; registered: {string.Join(", ", entries.Select(e => $"{e.Key} lease {e.Lease:x}"))}\n{context?.Invoke()}");
            }

            await Task.Delay(100);
        }
    }

    private static string Decode(string base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64));
}
