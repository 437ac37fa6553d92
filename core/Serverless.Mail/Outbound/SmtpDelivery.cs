using System.Net;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using MimeKit;
using Serverless.Mail.Queues;

namespace Serverless.Mail.Outbound;

/// <summary>One SMTP transaction's worth of work: a signed message and the recipients of one destination.</summary>
public sealed record DeliveryRequest
{
    public required string MailFrom { get; init; }

    public required IReadOnlyList<HandoffRecipient> Recipients { get; init; }

    public required OutboundMessageFile Message { get; init; }

    /// <summary>Envelope or headers are UTF-8: the server must offer SMTPUTF8 (RFC 6531).</summary>
    public bool NeedsSmtpUtf8 { get; init; }

    /// <summary>The body has 8-bit bytes: the server must offer 8BITMIME (RFC 6152).</summary>
    public bool Needs8BitMime { get; init; }

    public string? EnvelopeId { get; init; }

    /// <summary>RFC 3461 RET: "FULL" or "HDRS".</summary>
    public string? Ret { get; init; }
}

/// <summary>
/// Delivers to one destination — a domain's MX hosts, or the smart host — over SMTP: hosts best
/// first, each address in turn; a refused connection or a 4xx moves on to the next host for the
/// recipients still pending; a 5xx is final. STARTTLS whenever offered, required for the smart
/// host and under an MTA-STS enforce policy. One transaction carries all recipients of the domain.
/// </summary>
public sealed partial class SmtpDelivery(OutboundOptions options, MxResolver mx, MtaStsPolicySource mtaSts, TlsCertificatePolicy certificates,
    ILogger<SmtpDelivery> logger)
{
    private sealed record Route(MxHost Host, int Port, bool RequireVerifiedTls, bool ImplicitTls, bool Authenticate);

    /// <summary>Delivers to the recipients of <paramref name="domain"/> (ignored in smart-host mode). Returns every recipient's status.</summary>
    public async Task<IReadOnlyDictionary<string, DeliveryStatus>> DeliverAsync(string domain, DeliveryRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var results = new Dictionary<string, DeliveryStatus>(StringComparer.OrdinalIgnoreCase);
        var (routes, failure) = await RoutesAsync(domain, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            foreach (var r in request.Recipients)
            {
                results[r.Address] = failure;
            }
            return results;
        }
        var pending = request.Recipients.ToList();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var route in routes)
        {
            foreach (var address in route.Host.Addresses)
            {
                if (clock.Elapsed > options.AttemptBudget && results.Count > 0)
                {
                    return results; // out of time for this attempt: the pending ones wait for the next
                }
                var outcome = await TryAddressAsync(route, address, request, pending, tlsFallback: false, cancellationToken).ConfigureAwait(false);
                foreach (var (rcpt, status) in outcome)
                {
                    results[rcpt] = status;
                }
                pending = pending.Where(p => results.TryGetValue(p.Address, out var s) && s.IsTemporary).ToList();
                if (pending.Count == 0)
                {
                    return results;
                }
                if (outcome.Values.Any(s => s.RemoteMta is not null))
                {
                    break; // the host answered: its 4xx sends the rest to the next host, not its other addresses
                }
            }
        }
        return results;
    }

    private async Task<(IReadOnlyList<Route> Routes, DeliveryStatus? Failure)> RoutesAsync(string domain, CancellationToken cancellationToken)
    {
        if (options.SmartHost.Enabled)
        {
            var host = options.SmartHost.Host;
            var (addresses, failure) = await mx.ResolveAsync(host, cancellationToken).ConfigureAwait(false);
            if (addresses.Count == 0)
            {
                return ([], failure ?? DeliveryStatus.Temporary("4.4.3", $"DNS; smart host {host} has no address"));
            }
            var auth = options.SmartHost.UserName.Length > 0;
            return ([new Route(new MxHost(host, 0, addresses), options.SmartHost.Port, true, options.SmartHost.ImplicitTls, auth)], null);
        }
        var lookup = await mx.LookupAsync(domain, options.MaxMxHosts, cancellationToken).ConfigureAwait(false);
        if (lookup.Failure is not null)
        {
            return ([], lookup.Failure);
        }
        if (!options.AllowPrivateNetworks)
        {
            lookup = OnlyPublic(domain, lookup);
            if (lookup.Failure is not null)
            {
                return ([], lookup.Failure);
            }
        }
        var policy = await mtaSts.GetAsync(domain, cancellationToken).ConfigureAwait(false);
        if (policy is { Mode: MtaStsMode.Enforce })
        {
            var allowed = lookup.Hosts.Where(h => policy.Matches(h.Name)).ToList();
            if (allowed.Count == 0)
            {
                return ([], DeliveryStatus.Temporary("4.7.5", $"MTA-STS; no MX host of {domain} matches its enforced policy"));
            }
            return (allowed.Select(h => new Route(h, options.SmtpPort, true, false, false)).ToList(), null);
        }
        return (lookup.Hosts.Select(h => new Route(h, options.SmtpPort, false, false, false)).ToList(), null);
    }

    /// <summary>
    /// The hosts with their non-public addresses removed (<see cref="PublicNetwork"/>), before any
    /// connection is made; a domain left with none fails permanently, since only its DNS can change that.
    /// </summary>
    private MxLookup OnlyPublic(string domain, MxLookup lookup)
    {
        var hosts = new List<MxHost>();
        foreach (var host in lookup.Hosts)
        {
            var usable = host.Addresses.Where(PublicNetwork.Contains).ToList();
            if (usable.Count < host.Addresses.Count)
            {
                LogNonPublicAddresses(domain, host.Name, string.Join(", ", host.Addresses.Where(a => !PublicNetwork.Contains(a))));
            }
            if (usable.Count > 0)
            {
                hosts.Add(host with { Addresses = usable });
            }
        }
        return hosts.Count > 0
            ? new MxLookup(hosts, null)
            : new MxLookup([], DeliveryStatus.Permanent("5.4.4",
                $"X-Relay; every mail host of {domain} resolves to a non-public address (loopback, private, link-local or reserved); not connecting"));
    }

    private async Task<Dictionary<string, DeliveryStatus>> TryAddressAsync(Route route, IPAddress address, DeliveryRequest request,
        IReadOnlyList<HandoffRecipient> recipients, bool tlsFallback, CancellationToken cancellationToken)
    {
        var results = new Dictionary<string, DeliveryStatus>(StringComparer.OrdinalIgnoreCase);
        void All(DeliveryStatus s)
        {
            foreach (var r in recipients)
            {
                results[r.Address] = s;
            }
        }
        var host = route.Host.Name;
        var mta = $"dns; {host} [{address}]";
        using var client = new OutboundSmtpClient
        {
            LocalDomain = options.HeloName,
            Timeout = (int)options.CommandTimeout.TotalMilliseconds,
            CheckCertificateRevocation = false,
            ServerCertificateValidationCallback = route.RequireVerifiedTls ? certificates.Verified : TlsCertificatePolicy.AnyCertificate,
            EnvelopeId = request.EnvelopeId,
            DeliveryStatusNotificationType = request.Ret?.ToUpperInvariant() switch
            {
                "FULL" => DeliveryStatusNotificationType.Full,
                "HDRS" => DeliveryStatusNotificationType.HeadersOnly,
                _ => DeliveryStatusNotificationType.Unspecified,
            },
            Notify = rcpt => Notify(recipients.FirstOrDefault(r => string.Equals(r.Address, rcpt, StringComparison.OrdinalIgnoreCase))?.Notify),
        };
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connectTimeout.CancelAfter(options.ConnectTimeout);
                await socket.ConnectAsync(address, route.Port, connectTimeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            LogConnectFailed(host, address, route.Port, e.Message);
            All(DeliveryStatus.Temporary("4.4.1", $"X-Relay; connection to {host} [{address}]:{route.Port} failed: {e.Message}"));
            return results;
        }

        var security = route.ImplicitTls ? SecureSocketOptions.SslOnConnect
            : route.RequireVerifiedTls ? SecureSocketOptions.StartTls
            : tlsFallback ? SecureSocketOptions.None
            : SecureSocketOptions.StartTlsWhenAvailable;
        try
        {
            try
            {
                await client.ConnectAsync(socket, host, route.Port, security, cancellationToken).ConfigureAwait(false);
                socket = null; // owned by the client now
            }
            catch (SmtpCommandException e)
            {
                // Greeting or EHLO refused: this host gives no service now; the next one may.
                All(DeliveryStatus.Temporary(e.StatusCode >= (SmtpStatusCode)500 ? "4.4.0" : "4.0.0",
                    $"smtp; {(int)e.StatusCode} {e.Message} (greeting/EHLO of {host} [{address}])", mta));
                return results;
            }
            if (Unsupported(client, request) is { } unsupported)
            {
                All(unsupported with { RemoteMta = mta });
                await QuitAsync(client).ConfigureAwait(false);
                return results;
            }
            if (route.Authenticate)
            {
                await client.AuthenticateAsync(options.SmartHost.UserName, options.SmartHost.Password, cancellationToken).ConfigureAwait(false);
            }
            await SendAsync(client, request, recipients, mta, results, cancellationToken).ConfigureAwait(false);
            await QuitAsync(client).ConfigureAwait(false);
        }
        catch (SslHandshakeException e) when (security == SecureSocketOptions.StartTlsWhenAvailable)
        {
            // Opportunistic TLS that fails is retried in plaintext, as Postfix does at level "may".
            LogTlsFallback(host, address, e.Message);
            return await TryAddressAsync(route, address, request, recipients, tlsFallback: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SslHandshakeException or NotSupportedException)
        {
            All(DeliveryStatus.Temporary("4.7.5", $"X-Relay; TLS with {host} [{address}] is required but failed: {e.Message}", mta));
        }
        catch (AuthenticationException e)
        {
            All(DeliveryStatus.Temporary("4.7.8", $"X-Relay; authentication at {host} failed: {e.Message}", mta));
        }
        catch (SmtpCommandException e) when (e.ErrorCode == SmtpErrorCode.SenderNotAccepted)
        {
            All(DeliveryStatus.FromReply((int)e.StatusCode, e.Message, mta));
        }
        catch (ServiceNotAuthenticatedException e)
        {
            // 530 at MAIL/RCPT: the server wants AUTH (a smart host without credentials configured).
            All(DeliveryStatus.Temporary("4.7.0", $"X-Relay; {host} requires authentication: {e.Message}", mta));
        }
        catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or ServiceNotConnectedException or SmtpCommandException
            or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogSessionFailed(host, address, e.Message);
            foreach (var r in recipients)
            {
                results.TryAdd(r.Address, DeliveryStatus.Temporary("4.4.2", $"X-Relay; session with {host} [{address}] broke off: {e.Message}", mta));
            }
        }
        finally
        {
            socket?.Dispose();
        }
        return results;
    }

    private static async Task SendAsync(OutboundSmtpClient client, DeliveryRequest request, IReadOnlyList<HandoffRecipient> recipients, string mta,
        Dictionary<string, DeliveryStatus> results, CancellationToken cancellationToken)
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.International = request.NeedsSmtpUtf8;
        var sender = request.MailFrom.Length == 0 ? new MailboxAddress("", "") : new MailboxAddress("", request.MailFrom);
        var mailboxes = recipients.Select(r => new MailboxAddress("", r.Address)).ToList();
        client.BeginTransaction();
        string? reply = null;
        DeliveryStatus? dataStatus = null;
        try
        {
            await request.Message.Sending.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                reply = await client.SendAsync(format, request.Message.Message, sender, mailboxes, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                request.Message.Sending.Release();
            }
        }
        catch (NoRecipientsAcceptedException)
        {
        }
        catch (SmtpCommandException e) when (e.ErrorCode is SmtpErrorCode.MessageNotAccepted or SmtpErrorCode.UnexpectedStatusCode && client.Refused.Count < recipients.Count)
        {
            // DATA (or its final dot) refused after some RCPTs were accepted: that answer is theirs.
            dataStatus = DeliveryStatus.FromReply((int)e.StatusCode, e.Message, mta);
        }
        foreach (var r in recipients)
        {
            if (client.Refused.TryGetValue(r.Address, out var refused))
            {
                results[r.Address] = DeliveryStatus.FromReply(refused.Code, refused.Text, mta);
            }
            else if (dataStatus is not null)
            {
                results[r.Address] = dataStatus;
            }
            else if (reply is not null)
            {
                results[r.Address] = DeliveryStatus.Delivered($"smtp; 250 {reply}".Trim(), mta) with
                {
                    NotifyPassedOn = r.Notify is not null && client.Capabilities.HasFlag(SmtpCapabilities.Dsn),
                };
            }
        }
    }

    /// <summary>A permanent failure when the message needs an extension the server lacks (no downgrade: it is signed).</summary>
    private static DeliveryStatus? Unsupported(SmtpClient client, DeliveryRequest request)
    {
        if (request.NeedsSmtpUtf8 && !client.Capabilities.HasFlag(SmtpCapabilities.UTF8))
        {
            return DeliveryStatus.Permanent("5.6.7", "X-Relay; the message has UTF-8 addresses or headers and the receiving server does not support SMTPUTF8 (RFC 6531)");
        }
        if (request.Needs8BitMime && !client.Capabilities.HasFlag(SmtpCapabilities.EightBitMime))
        {
            return DeliveryStatus.Permanent("5.6.3", "X-Relay; the message body is 8-bit and the receiving server does not support 8BITMIME (RFC 6152)");
        }
        if (client.MaxSize > 0 && (ulong)request.Message.Size > (ulong)client.MaxSize)
        {
            return DeliveryStatus.Permanent("5.3.4", $"X-Relay; the message ({request.Message.Size} bytes) exceeds the receiving server's limit ({client.MaxSize} bytes)");
        }
        return null;
    }

    /// <summary>RFC 3461 NOTIFY as given at submission ("NEVER" or a list of SUCCESS/FAILURE/DELAY).</summary>
    private static DeliveryStatusNotification? Notify(string? notify)
    {
        if (string.IsNullOrWhiteSpace(notify))
        {
            return null;
        }
        DeliveryStatusNotification value = 0;
        foreach (var part in notify.Split(',', StringSplitOptions.TrimEntries))
        {
            value |= part.ToUpperInvariant() switch
            {
                "NEVER" => DeliveryStatusNotification.Never,
                "SUCCESS" => DeliveryStatusNotification.Success,
                "FAILURE" => DeliveryStatusNotification.Failure,
                "DELAY" => DeliveryStatusNotification.Delay,
                _ => 0,
            };
        }
        return value;
    }

    private static async Task QuitAsync(SmtpClient client)
    {
        try
        {
            await client.DisconnectAsync(quit: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SmtpProtocolException or SmtpCommandException or SocketException or OperationCanceledException)
        {
            // The mail is already accepted (or refused); a rude goodbye changes nothing.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbound: {Domain}'s mail host {Host} resolves to non-public addresses ({Addresses}); they are not used")]
    private partial void LogNonPublicAddresses(string domain, string host, string addresses);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbound: connection to {Host} [{Address}]:{Port} failed: {Reason}")]
    private partial void LogConnectFailed(string host, IPAddress address, int port, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbound: STARTTLS with {Host} [{Address}] failed ({Reason}); retrying without TLS")]
    private partial void LogTlsFallback(string host, IPAddress address, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbound: session with {Host} [{Address}] broke off: {Reason}")]
    private partial void LogSessionFailed(string host, IPAddress address, string reason);
}
