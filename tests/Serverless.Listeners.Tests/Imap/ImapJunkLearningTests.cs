using MailKit;
using MailKit.Net.Imap;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Serverless.Mail.Accounts;
using Serverless.Mail.Spam;
using Serverless.Mail.Spam.Learning;
using Serverless.Mail.Storage;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>
/// Issue 18, learning from users: what Thunderbird, Apple Mail and Outlook do when a user marks mail
/// (MOVE to Junk, <c>$Junk</c>, <c>$NotJunk</c>, MOVE out of Junk) reaches the <c>spam-learning</c>
/// queue by the time the command's tagged OK arrives; the learning function (called directly here,
/// as the Functions host would) then changes how the classifier scores a similar message.
/// </summary>
public sealed class ImapJunkLearningTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    private const string SpamBody = "Exclusive casino bonus: claim free spins and jackpot prizes tonight, winners guaranteed, register instantly.";
    private const string HamBody = "Notes from the choir rehearsal: altos practise bars twelve to forty, sopranos bring folders on Tuesday.";

    private IContentClassifier Classifier => host.Host.Services.GetRequiredService<IContentClassifier>();

    [Fact]
    public async Task Moving_a_message_to_Junk_teaches_the_filter_and_NotJunk_undoes_it()
    {
        var mailbox = await OwnTenantMailboxAsync();
        await host.DeliverAsync(mailbox, ImapTestHost.Message("Casino jackpot tonight", SpamBody, from: "lucky@casino-prizes.example"));
        await host.DeliverAsync(mailbox, ImapTestHost.Message("Choir rehearsal notes", HamBody, from: "director@choir.example"));
        using var client = await host.ConnectAsync(mailbox);
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        var similar = MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(ImapTestHost.Message(
            "Casino jackpot tonight", "Claim free spins tonight: casino bonus, jackpot prizes guaranteed.", from: "lucky@casino-prizes.example"))));
        Assert.Equal(0.5, (await Classifier.ClassifyAsync(mailbox.TenantId, mailbox.MailboxId, similar, default)).SpamProbability);

        // The user marks the casino mail as junk (Thunderbird: MOVE to the \Junk folder) and the choir mail as not junk.
        var junk = client.GetFolder(SpecialFolder.Junk)!;
        await client.Inbox.MoveToAsync(new UniqueId(1), junk);
        await client.Inbox.AddFlagsAsync(new UniqueId(2), MessageFlags.None, new HashSet<string> { "$NotJunk" }, true);
        Assert.Equal([("spam", 1), ("ham", 1)], await LearnQueuedAsync(mailbox)); // queued before the tagged OK: nothing to wait for
        var verdict = await Classifier.ClassifyAsync(mailbox.TenantId, mailbox.MailboxId, similar, default);
        Assert.True(verdict.SpamProbability > 0.9, verdict.ToString());

        // It was not junk after all: $NotJunk in the Junk folder moves its counts to ham.
        await junk.OpenAsync(FolderAccess.ReadWrite);
        await junk.AddFlagsAsync(new UniqueId(1), MessageFlags.None, new HashSet<string> { "$NotJunk" }, true);
        Assert.Equal([("ham", 1)], await LearnQueuedAsync(mailbox));
        verdict = await Classifier.ClassifyAsync(mailbox.TenantId, mailbox.MailboxId, similar, default);
        Assert.True(verdict.SpamProbability < 0.1, verdict.ToString());
    }

    [Fact]
    public async Task Junk_keyword_and_moves_out_of_Junk_are_learnt_but_deleting_spam_to_Trash_is_no_verdict()
    {
        var mailbox = await OwnTenantMailboxAsync();
        for (var i = 0; i < 3; i++)
        {
            await host.DeliverAsync(mailbox, ImapTestHost.Message("Pharmacy discount " + i, "Cheap pharmacy pills with discount shipping, order today.", from: "sales@pills.example"));
        }
        using var client = await host.ConnectAsync(mailbox);
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await client.Inbox.AddFlagsAsync([new UniqueId(1), new UniqueId(2)], MessageFlags.None, new HashSet<string> { "$Junk" }, true);
        Assert.Equal([("spam", 2)], await LearnQueuedAsync(mailbox));

        // COPY into Junk is spam too; plain moves between other folders are nothing.
        var junk = client.GetFolder(SpecialFolder.Junk)!;
        var archive = client.GetFolder(SpecialFolder.Archive)!;
        await client.Inbox.CopyToAsync([new UniqueId(2), new UniqueId(3)], junk);
        await client.Inbox.MoveToAsync(new UniqueId(3), archive);
        Assert.Equal([("spam", 2)], await LearnQueuedAsync(mailbox));

        // In Junk: deleting spam (Thunderbird moves it to Trash) teaches nothing; moving one back to INBOX is ham.
        await junk.OpenAsync(FolderAccess.ReadWrite);
        await junk.MoveToAsync(new UniqueId(1), client.GetFolder(SpecialFolder.Trash)!);
        Assert.Empty(await LearnQueuedAsync(mailbox));
        await junk.MoveToAsync(new UniqueId(2), client.Inbox);
        Assert.Equal([("ham", 1)], await LearnQueuedAsync(mailbox));
    }

    /// <summary>A mailbox in a tenant of its own, so what other tests teach their tenant's base does not reach it.</summary>
    private async Task<MailboxRecord> OwnTenantMailboxAsync()
    {
        var directory = host.Host.Services.GetRequiredService<MailDirectory>();
        var tenant = "junk" + Guid.NewGuid().ToString("N")[..8];
        await directory.CreateTenantAsync(tenant, "Junk learning");
        return await directory.CreateMailboxAsync(tenant, MailAddress.Parse($"{tenant}@{host.Domain}"), ImapTestHost.Password, null, 0);
    }

    /// <summary>Runs the learning function on what the listener queued for the mailbox: (verdict, messages) per queue message.</summary>
    private async Task<List<(string, int)>> LearnQueuedAsync(MailboxRecord mailbox)
    {
        var queue = host.Host.Services.GetRequiredService<MailStorage>().Queue(StorageNames.SpamLearningQueue);
        var learner = host.Host.Services.GetRequiredService<SpamLearner>();
        var seen = new List<(string, int)>();
        while (true)
        {
            var received = (await queue.ReceiveMessagesAsync(32)).Value;
            if (received.Length == 0)
            {
                return seen;
            }
            foreach (var m in received)
            {
                var request = SpamLearningRequest.Parse(m.Body.ToString());
                Assert.Equal(mailbox.MailboxId, request.MailboxId);
                Assert.Equal(mailbox.TenantId, request.TenantId);
                seen.Add((request.Verdict, request.Uids.Count));
                await learner.LearnAsync(request, default);
                await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
            }
        }
    }
}
