using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Security.Acme;

public enum AcmeRenewalOutcome
{
    /// <summary>The kept certificate has more than <c>RenewBeforeDays</c> left.</summary>
    NotDue,

    /// <summary>Another replica holds the renewal lease: it is ordering now.</summary>
    Busy,

    /// <summary>A new certificate was issued and stored.</summary>
    Issued,
}

/// <summary>
/// One renewal check: when the kept certificate is missing or has fewer than
/// <c>Mail:Acme:RenewBeforeDays</c> left, take the renewal lease (a blob lease on
/// <c>keys/acme/renewal.lock</c>, so one replica orders at a time), look again (another replica may
/// just have finished), order from the ACME server with the account key kept in
/// <c>keys/acme/account.pem</c>, and store the result where every listener loads it.
/// </summary>
public sealed partial class AcmeRenewal(MailStorage storage, AcmeOptions options, IAcmeCertificateStore store, AcmeChallengeStore challenges,
    ILogger<AcmeRenewal> logger, TimeProvider? clock = null)
{
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>How often the ACME client polls an authorization or order (tests shorten it).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public async Task<AcmeRenewalOutcome> RenewIfDueAsync(IReadOnlyList<string> hostNames, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hostNames);
        if (!await IsDueAsync(cancellationToken).ConfigureAwait(false))
        {
            return AcmeRenewalOutcome.NotDue;
        }
        var lockBlob = storage.Keys.GetBlobClient("acme/renewal.lock");
        if (!await lockBlob.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await lockBlob.UploadAsync(BinaryData.FromString(""), overwrite: false, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                // Another replica made it first.
            }
        }
        var lease = lockBlob.GetBlobLeaseClient();
        try
        {
            await lease.AcquireAsync(LeaseDuration, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            LogBusy();
            return AcmeRenewalOutcome.Busy;
        }
        using var stopRenewing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var keepLease = KeepLeaseAsync(lease, stopRenewing.Token);
        try
        {
            if (!await IsDueAsync(cancellationToken).ConfigureAwait(false))
            {
                return AcmeRenewalOutcome.NotDue;
            }
            using var accountKey = await AccountKeyAsync(cancellationToken).ConfigureAwait(false);
            using var http = CreateHttpClient();
            var client = new AcmeClient(http, new Uri(options.DirectoryUrl!), accountKey, _clock) { PollInterval = PollInterval };
            LogOrdering(string.Join(", ", hostNames), options.DirectoryUrl!);
            var issued = await client.IssueAsync(hostNames, options.ContactEmail, challenges, cancellationToken).ConfigureAwait(false);
            await store.SaveAsync(issued, cancellationToken).ConfigureAwait(false);
            LogIssued(string.Join(", ", hostNames), issued.NotAfter, store.Description);
            return AcmeRenewalOutcome.Issued;
        }
        finally
        {
            await stopRenewing.CancelAsync().ConfigureAwait(false);
            await keepLease.ConfigureAwait(false);
            try
            {
                await lease.ReleaseAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
            catch (RequestFailedException)
            {
                // Lost or expired: the next replica takes it after the 60 seconds anyway.
            }
        }
    }

    private async Task<bool> IsDueAsync(CancellationToken cancellationToken) =>
        await store.NotAfterAsync(cancellationToken).ConfigureAwait(false) is not { } notAfter
        || notAfter - _clock.GetUtcNow() < TimeSpan.FromDays(options.RenewBeforeDays);

    /// <summary>An order may take minutes; the lease is renewed while it runs, so a crashed replica's lease still ends within a minute.</summary>
    private async Task KeepLeaseAsync(BlobLeaseClient lease, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(LeaseDuration / 3, _clock, cancellationToken).ConfigureAwait(false);
                await lease.RenewAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (RequestFailedException e)
        {
            LogLeaseLost(e.Message);
        }
    }

    /// <summary>The account is its key: made once, kept in storage, so every renewal uses the same account (§7.3: newAccount finds it).</summary>
    private async Task<AcmeAccountKey> AccountKeyAsync(CancellationToken cancellationToken)
    {
        var blob = storage.Keys.GetBlobClient("acme/account.pem");
        try
        {
            return AcmeAccountKey.ImportPem((await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content.ToString());
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            var key = AcmeAccountKey.Create();
            await blob.UploadAsync(BinaryData.FromString(key.ExportPem()), overwrite: false, cancellationToken).ConfigureAwait(false);
            return key;
        }
    }

    private HttpClient CreateHttpClient()
    {
        var handler = new SocketsHttpHandler();
        if (!string.IsNullOrWhiteSpace(options.DirectoryCaFile))
        {
            var trusted = new X509Certificate2Collection();
            trusted.ImportFromPemFile(options.DirectoryCaFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                {
                    return false; // a wrong name is wrong whatever the CA
                }
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            };
        }
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ACME: another replica holds the renewal lease")]
    private partial void LogBusy();

    [LoggerMessage(Level = LogLevel.Information, Message = "ACME: ordering a certificate for {Names} from {Directory}")]
    private partial void LogOrdering(string names, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "ACME: issued a certificate for {Names} (expires {NotAfter:u}), stored in {Store}")]
    private partial void LogIssued(string names, DateTimeOffset notAfter, string store);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ACME: the renewal lease could not be renewed: {Reason}")]
    private partial void LogLeaseLost(string reason);
}
