using Grpc.Core;

namespace EtcdGateway.Grpc.Metrics;

/// <summary>
/// gRPC status codes as the <c>grpc_code</c> label spells them: gRPC-Go's names, which etcd's metrics, dashboards and
/// alerts use (<c>Canceled</c> with one l, where .NET's enum says <c>Cancelled</c>).
/// </summary>
internal static class GrpcStatusNames
{
    private static readonly string[] Names =
    [
        "OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists", "PermissionDenied",
        "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented", "Internal", "Unavailable",
        "DataLoss", "Unauthenticated",
    ];

    /// <summary>How many codes there are (0 to 16): the size of a per-code counter array.</summary>
    public static int Count => Names.Length;

    /// <summary>The label value of the code counted at <paramref name="index"/>.</summary>
    public static string Of(int index) => Names[index];

    /// <summary>Where a code is counted; a number outside gRPC's seventeen counts as Unknown, as gRPC itself treats it.</summary>
    public static int IndexOf(StatusCode code) => (uint)code < (uint)Names.Length ? (int)code : (int)StatusCode.Unknown;
}
