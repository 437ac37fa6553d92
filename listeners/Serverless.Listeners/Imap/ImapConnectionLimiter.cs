using System.Collections.Concurrent;
using System.Net;
using Serverless.Listeners.Hosting;

namespace Serverless.Listeners.Imap;

/// <summary>Caps simultaneous IMAP connections per client address (<see cref="ListenerOptions.MaxConnectionsPerIp"/>).</summary>
internal sealed class ImapConnectionLimiter(ListenerOptions options)
{
    private readonly ConcurrentDictionary<IPAddress, int> _open = new();

    public bool TryEnter(IPAddress? address)
    {
        if (address is null)
        {
            return true;
        }
        while (true)
        {
            var n = _open.GetOrAdd(address, 0);
            if (n >= options.MaxConnectionsPerIp)
            {
                return false;
            }
            if (_open.TryUpdate(address, n + 1, n))
            {
                return true;
            }
        }
    }

    public void Exit(IPAddress? address)
    {
        if (address is null)
        {
            return;
        }
        while (_open.TryGetValue(address, out var n))
        {
            if (n <= 1 ? _open.TryRemove(new KeyValuePair<IPAddress, int>(address, n)) : _open.TryUpdate(address, n - 1, n))
            {
                return;
            }
        }
    }
}
