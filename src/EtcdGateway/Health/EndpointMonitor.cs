using EtcdGateway.Endpoints;
using EtcdGateway.Logging;
using EtcdGateway.Metrics;

namespace EtcdGateway.Health;

/// <summary>
/// The one loop that brings endpoints back and takes them out: with health checks on, a probe round every
/// <c>--health-interval</c> (the first at once); with <c>--health-check=none</c>, etcd's retry of out-of-rotation
/// endpoints every <c>--retry-delay</c>. It reads the live settings each round, so a reload takes effect at the next one.
/// </summary>
internal sealed class EndpointMonitor(
    EndpointRegistry registry, ConnectionTracker tracker, GatewayMetrics metrics, JsonLogger logger, Func<MonitorSettings> settings, TimeProvider time) : IDisposable
{
    private readonly ActiveHealthChecker _checker = new(registry, tracker, metrics.ProbeDuration, logger, time);
    private HealthOptions? _probeOptions;
    private EndpointHttpClient? _http;
    private EndpointProbe? _probe;

    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var current = settings();
                var health = current.Health;
                if (health.Mode == HealthCheckMode.None)
                {
                    await Task.Delay(current.RetryDelay, time, stopping);
                    var retry = new EndpointRetryMonitor(registry, new EndpointDialer(current.DialTimeout, time), logger, current.RetryDelay);
                    await retry.RunRoundAsync(stopping);
                }
                else
                {
                    // Rounds start every interval, however long the last one took (a timed-out probe takes the whole
                    // timeout): a member that hangs right after a pass is out within interval × threshold + timeout.
                    var started = time.GetTimestamp();
                    await _checker.RunRoundAsync(ProbeFor(health), health, stopping);
                    var rest = health.Interval - time.GetElapsedTime(started);
                    if (rest > TimeSpan.Zero)
                    {
                        await Task.Delay(rest, time, stopping);
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // This loop is what brings endpoints back; it must outlive any one bad round.
                logger.Error("endpoint monitor round failed; trying again next interval", [.. LogField.Unexpected(e)]);
                await Task.Delay(TimeSpan.FromSeconds(1), time, CancellationToken.None);
            }
        }
    }

    public void Dispose() => _http?.Dispose();

    private EndpointProbe ProbeFor(HealthOptions options)
    {
        // Compared by reference, not value: every reload makes new options, and a new client reads the certificate and CA
        // files again, so SIGHUP applies a renewed certificate or CA bundle under the same path.
        if (_probe is null || !ReferenceEquals(_probeOptions, options))
        {
            _http?.Dispose();
            _http = new EndpointHttpClient(
                options.Timeout, time, options.CaCertFile, options.CertFile, options.KeyFile, options.AlternativeCertificateName, options.InsecureSkipVerify);
            _probe = new EndpointProbe(options, _http, new EndpointDialer(options.Timeout, time));
            _probeOptions = options;
        }

        return _probe;
    }
}
