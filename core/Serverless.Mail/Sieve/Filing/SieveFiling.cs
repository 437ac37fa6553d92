using Microsoft.Extensions.Logging;
using MimeKit;
using Serverless.Mail.Forwarding;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Queues;
using Serverless.Mail.Sieve.Language;

namespace Serverless.Mail.Sieve.Filing;

/// <summary>One mailbox copy of a message at filing: who it is for and what the ingest already decided.</summary>
public sealed record SieveFilingInput(InboundHandoff Handoff, string MailboxId, string RecipientAddress, bool Junk, string? Dmarc, long Size, string? TenantId);

/// <summary>
/// Runs a mailbox's active Sieve script at filing (docs/architecture.md, step 6) and carries out what
/// the ingest does not: redirects (through the outbound relay, SRS like an alias's forward, loop-checked
/// by a <c>Delivered-To</c> field) and the one-time notice of a failing script. The ingest stores the
/// copies of the plan and turns a reject into its DSN; <see cref="VacationResponder"/> answers vacation.
/// Without an <see cref="ISieveScriptSource"/> registered, or without an active script, there is no plan
/// and the ingest files as it always did.
/// </summary>
public sealed partial class SieveFiling(
    MailboxIndex index,
    MessageStore store,
    MailQueues queues,
    SenderRewriting srs,
    CompiledSieveScripts compiled,
    VacationResponder vacation,
    TimeProvider time,
    ILogger<SieveFiling> logger,
    ISieveScriptSource? scripts = null)
{
    /// <summary>More Received fields than this and a redirect is taken for a loop (RFC 5321 §6.3 counts hops the same way).</summary>
    public const int MaxHops = 25;

    private static readonly int JunkFolder = SpecialUse.Defaults.First(f => f.Use == SpecialUse.Junk).Id;

    /// <summary>Whether any script can run at all (a script source is registered).</summary>
    public bool Enabled => scripts is not null;

    /// <summary>The plan for one mailbox copy, or null when the mailbox has no active script.</summary>
    public async Task<SieveFilingPlan?> PlanAsync(SieveFilingInput input, Func<Task<MimeMessage?>> message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(message);
        if (scripts is null)
        {
            return null;
        }
        var active = await scripts.GetActiveAsync(input.MailboxId, cancellationToken).ConfigureAwait(false);
        if (active is null)
        {
            return null;
        }
        var script = compiled.Get(active);
        if (script.Error is { } compileError)
        {
            return Failed(active.Version, compileError.Line, compileError.Reason);
        }
        var mime = await message().ConfigureAwait(false);
        if (mime is null)
        {
            // The blob is deleted only when an earlier attempt finished with no copy left (discard, reject,
            // redirect): this is its redelivery, and there is nothing more to file.
            return new SieveFilingPlan([], [], null, null, null, active.Version);
        }
        IReadOnlyList<SieveAction> actions;
        try
        {
            var view = new SieveMessage(mime, input.Handoff.MailFrom, input.RecipientAddress, input.Size, input.Junk);
            actions = SieveInterpreter.Run(script.Script!, view, time.GetUtcNow());
        }
        catch (SieveRuntimeException e)
        {
            return Failed(active.Version, e.Line, e.Reason);
        }

        var copies = new List<SieveCopy>();
        var redirects = new List<string>();
        foreach (var action in actions)
        {
            switch (action)
            {
                case SieveKeep keep:
                    AddCopy(copies, input.Junk ? JunkFolder : SpecialUse.InboxId, keep.Flags);
                    break;
                case SieveFileInto file:
                    AddCopy(copies, await ResolveFolderAsync(input.MailboxId, file, cancellationToken).ConfigureAwait(false), file.Flags);
                    break;
                case SieveRedirect redirect when !redirects.Contains(redirect.Address, StringComparer.OrdinalIgnoreCase):
                    redirects.Add(redirect.Address);
                    break;
            }
        }
        // Spam and DMARC failures are not sent on (our name would be on them), and neither is a loop: kept instead.
        if (redirects.Count > 0 && (input.Junk || input.Dmarc == "fail" || IsLoop(mime, input.RecipientAddress)))
        {
            LogRedirectWithheld(input.Handoff.Id, input.MailboxId, input.Junk ? "judged spam" : input.Dmarc == "fail" ? "DMARC fail" : "a mail loop");
            redirects.Clear();
            if (copies.Count == 0)
            {
                AddCopy(copies, input.Junk ? JunkFolder : SpecialUse.InboxId, []);
            }
        }
        return new SieveFilingPlan(copies, redirects, actions.OfType<SieveReject>().FirstOrDefault()?.Reason,
            actions.OfType<SieveVacation>().FirstOrDefault(), null, active.Version);
    }

    /// <summary>Sends what the plan asks besides storing copies: redirects, the vacation reply, the notice of a failed script.</summary>
    public async Task CarryOutAsync(SieveFilingInput input, SieveFilingPlan plan, MimeMessage? message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Error is not null)
        {
            await SieveNotices.SendOnceAsync(index, store, input, plan, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            return;
        }
        if (message is null)
        {
            return;
        }
        if (plan.Redirects.Count > 0)
        {
            await RedirectAsync(input, plan.Redirects, message, cancellationToken).ConfigureAwait(false);
        }
        if (plan.Vacation is not null && !input.Junk)
        {
            await vacation.RespondAsync(input, plan.Vacation, message, cancellationToken).ConfigureAwait(false);
        }
    }

    private SieveFilingPlan Failed(string version, int line, string reason)
    {
        LogScriptFailed(version, line, reason);
        return new SieveFilingPlan([new SieveCopy(SpecialUse.InboxId, [])], [], null, null, $"line {line}: {reason}", version);
    }

    private static void AddCopy(List<SieveCopy> copies, int folderId, IReadOnlyList<string> flags)
    {
        // RFC 5228 §2.10.3: a second keep/fileinto of the same folder is the same copy; its flags add up.
        var i = copies.FindIndex(c => c.FolderId == folderId);
        if (i < 0)
        {
            copies.Add(new SieveCopy(folderId, flags));
        }
        else
        {
            copies[i] = copies[i] with { Flags = copies[i].Flags.Union(flags, StringComparer.OrdinalIgnoreCase).ToList() };
        }
    }

    /// <summary>The folder of a fileinto: an existing one, one made by :create (RFC 5490), else INBOX (RFC 5228 §4.1).</summary>
    private async Task<int> ResolveFolderAsync(string mailboxId, SieveFileInto file, CancellationToken cancellationToken)
    {
        var name = file.Folder;
        if (string.Equals(name, "INBOX", StringComparison.OrdinalIgnoreCase))
        {
            return SpecialUse.InboxId;
        }
        var folder = await index.FindFolderAsync(mailboxId, name, cancellationToken).ConfigureAwait(false);
        if (folder is null && file.Create)
        {
            folder = await index.CreateFolderAsync(mailboxId, name, subscribed: true, cancellationToken: cancellationToken).ConfigureAwait(false)
                ?? await index.FindFolderAsync(mailboxId, name, cancellationToken).ConfigureAwait(false); // made meanwhile by another copy
        }
        if (folder is null)
        {
            LogNoSuchFolder(mailboxId, name);
            return SpecialUse.InboxId;
        }
        return folder.FolderId;
    }

    private static bool IsLoop(MimeMessage message, string recipient) =>
        message.Headers.Count(h => h.Id == HeaderId.Received) > MaxHops
        || message.Headers.Any(h => string.Equals(h.Field, "Delivered-To", StringComparison.OrdinalIgnoreCase)
            && string.Equals(h.Value.Trim(), recipient, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// One outbound message to every redirect target of this mailbox, from a copy of the message with
    /// <c>Delivered-To: {recipient}</c> on top: when it comes back here, <see cref="IsLoop"/> sees it.
    /// The copy's blob name and the outbound id are fixed per hand-off and mailbox, so a redelivery sends nothing twice.
    /// </summary>
    private async Task RedirectAsync(SieveFilingInput input, IReadOnlyList<string> targets, MimeMessage message, CancellationToken cancellationToken)
    {
        var handoff = input.Handoff;
        var blobName = SieveNotices.BlobName(handoff.ReceivedAt, "redirect|" + handoff.Id + "|" + input.MailboxId);
        using var copy = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        await copy.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"Delivered-To: {input.RecipientAddress}\r\n"), cancellationToken).ConfigureAwait(false);
        await message.WriteToAsync(format, copy, cancellationToken).ConfigureAwait(false);
        await SieveNotices.WriteBlobAsync(store, blobName, copy, cancellationToken).ConfigureAwait(false);
        var domain = input.RecipientAddress[(input.RecipientAddress.LastIndexOf('@') + 1)..];
        var sender = new EnvelopeSender(srs.Rewrite(handoff.MailFrom, domain), handoff.EnvelopeId, handoff.Ret, handoff.Body, handoff.SmtpUtf8);
        var recipients = targets.Select(t => new HandoffRecipient { Address = t }).ToList();
        await queues.SendOutboundAsync(OutboundRelayMessage.Create($"{handoff.Id}.{input.MailboxId}.redirect", blobName, copy.Length, sender, recipients,
            handoff.ReceivedAt, input.TenantId, holder: null, forwardedBy: domain), cancellationToken: cancellationToken).ConfigureAwait(false);
        LogRedirected(handoff.Id, input.MailboxId, targets.Count);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sieve script {Version} failed at line {Line}: {Reason}; the message goes to INBOX")]
    private partial void LogScriptFailed(string version, int line, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sieve: mailbox {Mailbox} has no folder {Folder}; filed into INBOX")]
    private partial void LogNoSuchFolder(string mailbox, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hand-off {Id}: Sieve redirect of mailbox {Mailbox} not sent ({Reason}); kept instead")]
    private partial void LogRedirectWithheld(string id, string mailbox, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hand-off {Id}: Sieve of mailbox {Mailbox} redirected to {Count} address(es)")]
    private partial void LogRedirected(string id, string mailbox, int count);
}
