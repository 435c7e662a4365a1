using System.Text;
using System.Text.Json;
using EtcdGateway.Logging;
using Microsoft.AspNetCore.Http;

namespace EtcdGateway.Grpc.Serving;

/// <summary>
/// How etcd's proxy answers a health check over HTTP, whichever check it is (<c>/health</c>, <c>/proxy/health</c>): GET only
/// (405 with <c>Allow: GET</c> otherwise), <c>200 {"health":"true","reason":""}</c> or <c>503 {"health":"false","reason":...}</c>
/// with a <c>/health error</c> warning, as etcd's <c>etcdhttp.NewHealthHandler</c> writes them.
/// </summary>
internal static class HealthAnswer
{
    public static async Task WriteAsync(HttpContext http, Func<CancellationToken, Task<(bool Healthy, string Reason)>> check, JsonLogger logger)
    {
        var response = http.Response;
        if (!HttpMethods.IsGet(http.Request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET";
            await WriteTextAsync(response, "Method Not Allowed\n");
            return;
        }

        var (healthy, reason) = await check(http.RequestAborted);
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
