using System.Text;
using System.Text.Json;
using EtcdGateway.Logging;
using EtcdGateway.Protos.Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace EtcdGateway.Grpc.Serving;

/// <summary>
/// <c>GET /health</c> on the proxy's port, answered as etcd's proxy answers it: a linearizable read of key <c>a</c>
/// through the proxy's own way to the cluster with a 1 s deadline. Success, or PermissionDenied (auth is on and the
/// check has no user: the cluster still answered), is <c>200 {"health":"true","reason":""}</c>; anything else
/// <c>503 {"health":"false","reason":"GET ERROR:..."}</c>.
/// </summary>
internal sealed class ProxyHealthCheck(KV.KVClient cluster, JsonLogger logger, TimeProvider time)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);
    private static readonly RangeRequest Probe = new() { Key = ByteString.CopyFromUtf8("a") };

    public async Task HandleAsync(HttpContext http)
    {
        var response = http.Response;
        if (!HttpMethods.IsGet(http.Request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET";
            await WriteTextAsync(response, "Method Not Allowed\n");
            return;
        }

        var (healthy, reason) = await CheckAsync(http.RequestAborted);
        var body = Json(healthy, reason);
        if (healthy)
        {
            await WriteTextAsync(response, body);
            return;
        }

        logger.Warn("/health error", [new("output", body), new("status-code", StatusCodes.Status503ServiceUnavailable)]);
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.Headers.XContentTypeOptions = "nosniff";
        await WriteTextAsync(response, body + "\n");
    }

    private async Task<(bool Healthy, string Reason)> CheckAsync(CancellationToken aborted)
    {
        try
        {
            await cluster.RangeAsync(Probe, new CallOptions(deadline: time.GetUtcNow().UtcDateTime + Deadline, cancellationToken: aborted));
            return (true, "");
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
        {
            return (true, "");
        }
        catch (RpcException e)
        {
            return (false, $"GET ERROR:{e.Status.Detail}");
        }
    }

    private static string Json(bool healthy, string reason)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("health", healthy ? "true" : "false");
            json.WriteString("reason", reason);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Go's server calls these bodies plain text (clients that check the type expect that) and sends their length.</summary>
    private static async Task WriteTextAsync(HttpResponse response, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes);
    }
}
