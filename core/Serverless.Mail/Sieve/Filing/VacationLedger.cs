using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Sieve.Filing;

/// <summary>
/// RFC 5230 §4.2's "once per sender per :days" in the <c>vacation</c> table: PartitionKey = mailbox id,
/// RowKey = hash of (handle, sender), with <c>Until</c> (no reply to this sender before then) and
/// <c>HandoffId</c> (the message that claimed the period). A claim is an insert, or an update guarded by
/// the row's ETag, so two ingests of different messages never both reply; the hand-off that claimed the
/// period may claim it again (a redelivery after a crash still sends its one reply, by its fixed id).
/// </summary>
public sealed class VacationLedger(MailStorage storage)
{
    private readonly TableClient _table = storage.Table(StorageNames.VacationTable);

    /// <summary>True if this hand-off may reply to this sender now (and the period is recorded as taken).</summary>
    public async Task<bool> TryClaimAsync(string mailboxId, string handle, string sender, string handoffId, DateTimeOffset now, int days,
        CancellationToken cancellationToken)
    {
        var pk = KeyEscaping.Escape(mailboxId);
        var rk = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(handle + "\0" + sender.ToLowerInvariant())).AsSpan(0, 20));
        var row = new TableEntity(pk, rk)
        {
            ["Sender"] = sender,
            ["Until"] = now.AddDays(days),
            ["HandoffId"] = handoffId,
        };
        var existing = await _table.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            if (!existing.HasValue || existing.Value is null)
            {
                await _table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false);
                return true;
            }
            var current = existing.Value;
            if (string.Equals(current.GetString("HandoffId"), handoffId, StringComparison.Ordinal))
            {
                return true; // this very message claimed it before: a redelivery, whose reply has a fixed id
            }
            if (current.GetDateTimeOffset("Until") is { } until && until > now)
            {
                return false;
            }
            await _table.UpdateEntityAsync(row, current.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false; // another message claimed the period first
        }
    }
}
