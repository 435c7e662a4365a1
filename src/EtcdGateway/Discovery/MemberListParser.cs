using System.Text.Json;
using EtcdGateway.Endpoints;

namespace EtcdGateway.Discovery;

/// <summary>
/// Reads the answer of etcd's <c>POST /v3/cluster/member/list</c> (gRPC-gateway JSON): each member's client URLs become
/// endpoint addresses. Members not started yet (no client URLs) and learners (they refuse most client requests) are left out.
/// </summary>
internal static class MemberListParser
{
    /// <exception cref="FormatException">Not a member list.</exception>
    public static IReadOnlyList<EndpointAddress> Parse(string json)
    {
        var addresses = new List<EndpointAddress>();
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("members", out var members) || members.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("the answer has no \"members\" list");
            }

            foreach (var member in members.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.Object))
            {
                if (member.TryGetProperty("isLearner", out var learner) && learner.ValueKind == JsonValueKind.True)
                {
                    continue;
                }

                if (!member.TryGetProperty("clientURLs", out var urls) || urls.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }

                foreach (var url in urls.EnumerateArray().Where(u => u.ValueKind == JsonValueKind.String).Select(u => u.GetString()!))
                {
                    if (EndpointAddress.TryParse(url, out var address, out _, out _) && !addresses.Contains(address!))
                    {
                        addresses.Add(address!);
                    }
                }
            }
        }
        catch (JsonException e)
        {
            throw new FormatException($"not JSON: {e.Message}", e);
        }

        return addresses;
    }
}
