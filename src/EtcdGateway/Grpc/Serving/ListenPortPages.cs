using EtcdGateway.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EtcdGateway.Grpc.Serving;

/// <summary>
/// What the proxy's port serves over plain HTTP next to gRPC, the paths etcd's proxy serves there: <c>/health</c> (the
/// cluster through the proxy's way to it), <c>/proxy/health</c> (the proxy itself), and the proxy's own figures at both
/// <c>/metrics</c> and <c>/proxy/metrics</c>, the same page as <c>--metrics-addr</c>'s (etcd's <c>/metrics</c> here is a copy
/// of one random member's page).
/// </summary>
internal sealed class ListenPortPages(RequestDelegate health, RequestDelegate proxyHealth, Func<string> metrics)
{
    public void MapOn(WebApplication app)
    {
        app.Map("/health", health);
        app.Map("/proxy/health", proxyHealth);
        app.Map("/metrics", WriteMetricsAsync);
        app.Map("/proxy/metrics", WriteMetricsAsync);
    }

    private async Task WriteMetricsAsync(HttpContext http)
    {
        var response = http.Response;
        response.Headers.CacheControl = "no-store";
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return;
        }

        response.ContentType = PrometheusWriter.ContentType;
        await response.WriteAsync(metrics());
    }
}
