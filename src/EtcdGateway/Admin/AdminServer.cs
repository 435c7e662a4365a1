using System.Net;
using System.Text.Json;
using System.Text;
using EtcdGateway.Cli;
using EtcdGateway.Endpoints;
using EtcdGateway.Logging;
using EtcdGateway.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EtcdGateway.Admin;

/// <summary>
/// The admin listener (<c>--metrics-addr</c>): /metrics, /health, /status and the status page, on Kestrel, on its own
/// port. Every answer is computed from counters and one snapshot read, never from the data path's locks, and Kestrel's
/// limits keep a slow or hostile admin client from tying up more than a few sockets. What differs by mode (its metric
/// families, its traffic per endpoint, how /health is decided) comes from the mode's <see cref="IAdminModeView"/>.
/// </summary>
internal sealed class AdminServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AdminServer(WebApplication app, IPEndPoint boundTo)
    {
        _app = app;
        BoundTo = boundTo;
    }

    public IPEndPoint BoundTo { get; }

    /// <summary>Starts listening on <paramref name="endPoint"/>, the resolved <paramref name="address"/> (which error messages name).</summary>
    /// <exception cref="UsageException">The address cannot be bound (in use, not local).</exception>
    public static async Task<AdminServer> StartAsync(EndpointAddress address, IPEndPoint endPoint, AdminSources sources)
    {
        // No defaults: the slim builder reads appsettings*.json and ASPNETCORE_/DOTNET_ variables and watches its content
        // root, the working directory, recursively; under systemd or in a container that is "/", the whole file system.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(endPoint);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = 64;
            kestrel.Limits.MaxRequestBodySize = 0;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(5);
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(30);
        });
        var app = builder.Build();
        app.Run(async http =>
        {
            try
            {
                await HandleAsync(http, sources);
            }
            catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
            {
                // Kestrel's own logging is off, so without this a failing page would be a bare 500 and no trace.
                sources.Logger.Error("admin request failed", [new("path", http.Request.Path.Value), .. LogField.Unexpected(e)]);
                if (!http.Response.HasStarted)
                {
                    http.Response.StatusCode = 500;
                }
            }
        });
        try
        {
            await app.StartAsync();
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            await app.DisposeAsync();

            // Kestrel wraps some socket errors ("Failed to bind to address ...: address already in use.") and not
            // others (an address that is not this machine's); say them our way, as --listen-addr does.
            var reason = (e.InnerException ?? e) switch
            {
                Microsoft.AspNetCore.Connections.AddressInUseException => "address already in use",
                System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressNotAvailable } => "cannot assign requested address (not an address of this machine)",
                System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AccessDenied } => "permission denied",
                var other => other.Message,
            };
            throw UsageException.InvalidValue(GatewayFlags.MetricsAddr, $"http://{address}", reason);
        }

        var bound = app.Urls.Select(u => new Uri(u)).Select(u => new IPEndPoint(endPoint.Address, u.Port)).FirstOrDefault() ?? endPoint;
        return new AdminServer(app, bound);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task HandleAsync(HttpContext http, AdminSources sources)
    {
        var response = http.Response;
        response.Headers.CacheControl = "no-store";
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
        {
            response.StatusCode = 405;
            response.Headers.Allow = "GET, HEAD";
            return;
        }

        var path = http.Request.Path.Value;
        if (path is not null && sources.View.MetricsPaths.Contains(path))
        {
            response.ContentType = PrometheusWriter.ContentType;
            await response.WriteAsync(MetricsReport.Write(sources));
            return;
        }

        if (path is not null && sources.View.Page(path) is { } page)
        {
            await page(http);
            return;
        }

        switch (path)
        {
            case "/health" when sources.View.Health is { } modeHealth:
                // The mode's own check, the very handler its client port answers /health with.
                await modeHealth(http);
                break;
            case "/health":
                await WriteJsonAsync(response, json => StatusReport.WriteHealth(json, sources));
                break;
            case "/status":
                await WriteJsonAsync(response, json =>
                {
                    StatusReport.WriteStatus(json, sources);
                    return 200;
                });
                break;
            case "/" or "/index.html":
                response.ContentType = "text/html; charset=utf-8";
                await response.Body.WriteAsync(StatusPage.Value);
                break;
            default:
                response.StatusCode = 404;
                response.ContentType = "text/plain; charset=utf-8";
                await response.WriteAsync("not found: try /, /status, /health or /metrics\n");
                break;
        }
    }

    private static async Task WriteJsonAsync(HttpResponse response, Func<Utf8JsonWriter, int> write)
    {
        using var buffer = new MemoryStream();
        int status;
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            status = write(json);
        }

        response.StatusCode = status;
        response.ContentType = "application/json";
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
    }

    private static readonly Lazy<byte[]> StatusPage = new(() =>
    {
        using var stream = typeof(AdminServer).Assembly.GetManifestResourceStream("StatusPage.html");
        if (stream is null)
        {
            return Encoding.UTF8.GetBytes("<!doctype html><title>etcd-gateway</title><p>See <a href=\"/status\">/status</a>.</p>");
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });
}
