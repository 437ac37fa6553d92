using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Serverless.Mail.Index;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Security;

/// <summary>
/// The mailbox access keys of IMAP URLAUTH (RFC 4467 3.): one random 256-bit secret per user and
/// folder, kept in the mailbox's index partition (row <c>urlauth|{folderId:D6}</c>, see
/// docs/storage.md), created by the first GENURLAUTH for the folder and deleted by RESETKEY, which
/// voids every URL authorized with it. A folder id is never reused, so a key outlives neither its
/// folder nor a folder created again under the name. The key never leaves this class except into
/// the HMAC; nothing logs it.
/// </summary>
public sealed class MailboxAccessKeys(MailStorage storage)
{
    private const string Prefix = "urlauth|";
    private const int KeyBytes = 32;
    private readonly TableClient _table = storage.MailIndex;

    /// <summary>The folder's key, or null if none was made (or it was reset).</summary>
    public async Task<byte[]?> GetAsync(string mailboxId, int folderId, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(mailboxId, Row(folderId), ["Key"], cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value!.GetBinary("Key") : null;
    }

    /// <summary>The folder's key, made now if there is none (two sessions racing agree on the first one written).</summary>
    public async Task<byte[]> GetOrCreateAsync(string mailboxId, int folderId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await GetAsync(mailboxId, folderId, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }
        var key = RandomNumberGenerator.GetBytes(KeyBytes);
        try
        {
            await _table.AddEntityAsync(new TableEntity(mailboxId, Row(folderId)) { ["Key"] = key, ["CreatedAt"] = now }, cancellationToken).ConfigureAwait(false);
            return key;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return await GetAsync(mailboxId, folderId, cancellationToken).ConfigureAwait(false) ?? throw new InvalidOperationException("The access key vanished while it was made.");
        }
    }

    /// <summary>RESETKEY: deletes the folder's key, or with no folder every key of the mailbox.</summary>
    public async Task ResetAsync(string mailboxId, int? folderId, CancellationToken cancellationToken)
    {
        if (folderId is { } id)
        {
            await _table.DeleteEntityAsync(mailboxId, Row(id), ETag.All, cancellationToken).ConfigureAwait(false);
            return;
        }
        await IndexTable.DeletePrefixAsync(_table, mailboxId, Prefix, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The INTERNAL mechanism's verifier: HMAC-SHA256 of the URL rump under the key, as 64 lowercase hex digits.</summary>
    public static string Sign(byte[] key, string rump) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(rump)));

    /// <summary>Whether <paramref name="token"/> is the rump's verifier under the key (compared in constant time).</summary>
    public static bool Verify(byte[] key, string rump, string token) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(key, rump)), Encoding.ASCII.GetBytes(token.ToLowerInvariant()));

    private static string Row(int folderId) => Prefix + folderId.ToString("D6", CultureInfo.InvariantCulture);
}
