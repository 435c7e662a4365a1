using System.Net;
using System.Net.Sockets;

namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>Hands out free TCP ports on 127.0.0.1 so tests never depend on fixed port numbers.</summary>
public static class FreePorts
{
    // The OS may offer a port again once its listener is closed, before the test that asked for it
    // has bound it; remembering what was handed out keeps two callers from receiving the same port.
    private static readonly HashSet<int> HandedOut = [];
    private static readonly Lock Gate = new();

    public static int Next()
    {
        lock (Gate)
        {
            while (true)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }

    public static int[] Next(int count)
    {
        var ports = new int[count];
        for (var i = 0; i < count; i++)
        {
            ports[i] = Next();
        }

        return ports;
    }
}
