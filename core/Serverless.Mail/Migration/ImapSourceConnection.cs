using System.Net;
using System.Net.Sockets;
using MailKit.Net.Imap;
using MailKit.Security;
using Serverless.Mail.Outbound;

namespace Serverless.Mail.Migration;

/// <summary>
/// Connects to an import's source IMAP server. The host is resolved by our resolver and, unless
/// <c>Mail:Outbound:AllowPrivateNetworks</c> is set, only public addresses are used
/// (<see cref="PublicNetwork"/>, the relay's rule): a tenant must not make us log in to something on
/// our own network. The socket is connected to the checked address, so the name is not resolved again.
/// </summary>
public sealed class ImapSourceConnection(MxResolver resolver, OutboundOptions outbound, ImportOptions options)
{
    public const string Ssl = "ssl";
    public const string StartTls = "starttls";
    public const string None = "none";

    /// <summary>The addresses the import may connect to, or why there are none (a message for the user).</summary>
    public async Task<(IReadOnlyList<IPAddress> Addresses, string? Refusal)> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var (addresses, failure) = await resolver.ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            return ([], $"The address of {host} could not be looked up: {failure.Diagnostic}");
        }
        if (addresses.Count == 0)
        {
            return ([], $"{host} has no address.");
        }
        if (!outbound.AllowPrivateNetworks)
        {
            var usable = addresses.Where(PublicNetwork.Contains).ToList();
            if (usable.Count == 0)
            {
                return ([], $"{host} resolves only to non-public addresses (loopback, private, link-local or reserved); imports connect only to the internet.");
            }
            return (usable, null);
        }
        return (addresses, null);
    }

    /// <summary>An authenticated client; <see cref="ImportStoppedException"/> when the source cannot be used (no address, login refused).</summary>
    public async Task<ImapClient> OpenAsync(ImportJob job, string password, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var (addresses, refusal) = await ResolveAsync(job.Host!, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            throw new ImportStoppedException(ImportStatus.Failed, refusal);
        }
        var client = new ImapClient { Timeout = (int)options.SourceTimeout.TotalMilliseconds };
        try
        {
            Socket? socket = null;
            Exception? last = null;
            foreach (var address in addresses)
            {
                var s = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(options.SourceTimeout);
                    await s.ConnectAsync(new IPEndPoint(address, job.Port), timeout.Token).ConfigureAwait(false);
                    socket = s;
                    break;
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    s.Dispose();
                    last = e;
                }
            }
            if (socket is null)
            {
                throw new IOException($"Could not connect to {job.Host}:{job.Port}: {last?.Message}", last);
            }
            var security = job.Security switch
            {
                Ssl => SecureSocketOptions.SslOnConnect,
                StartTls => SecureSocketOptions.StartTls,
                _ => SecureSocketOptions.None,
            };
            await client.ConnectAsync(socket, job.Host!, job.Port, security, cancellationToken).ConfigureAwait(false);
            try
            {
                await client.AuthenticateAsync(job.Username!, password, cancellationToken).ConfigureAwait(false);
            }
            catch (AuthenticationException e)
            {
                throw new ImportStoppedException(ImportStatus.Failed, $"The source server refused the login of {job.Username}: {e.Message}");
            }
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}
