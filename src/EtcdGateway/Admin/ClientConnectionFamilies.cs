using EtcdGateway.Metrics;

namespace EtcdGateway.Admin;

/// <summary>
/// The client-connection families every mode writes alike: the L4 gateway's relayed connections and the L7 proxy's
/// HTTP/2 and HTTP/1.1 connections mean the same to an operator (a socket a client holds open). What the cap
/// (<c>etcd_gateway_connections_max</c>) does when reached differs, so each mode writes that one itself.
/// </summary>
internal static class ClientConnectionFamilies
{
    public static void Write(PrometheusWriter w, long active, long accepted, Histogram duration)
    {
        w.Family("etcd_gateway_connections_active", "gauge", "Client connections open now.");
        w.Sample("etcd_gateway_connections_active", active);

        w.Family("etcd_gateway_connections_accepted_total", "counter", "Client connections accepted since start.");
        w.Sample("etcd_gateway_connections_accepted_total", accepted);

        w.Family("etcd_gateway_connection_duration_seconds", "histogram", "How long client connections lasted, accept to close.");
        w.Histogram("etcd_gateway_connection_duration_seconds", duration);
    }

    public static void WriteMax(PrometheusWriter w, int max, string help)
    {
        w.Family("etcd_gateway_connections_max", "gauge", help);
        w.Sample("etcd_gateway_connections_max", max);
    }
}
