using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;
using Serverless.Listeners.Tests.Infrastructure;
using Serverless.Mail.Accounts;
using Xunit;
using Xunit.Abstractions;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>
/// Four MailKit sessions on one INBOX, two on each of two listener instances, make a seeded random
/// series of flag changes, appends, expunges and moves, each addressing messages by its own
/// sequence numbers. After a NOOP every session must see exactly what a fresh session sees: the
/// same messages in the same order with the same flags. A session whose view drifted (a missed
/// or misnumbered EXPUNGE, a lost flag change, an own write applied wrongly) fails it.
/// </summary>
public sealed class ImapConcurrentSessionsTests(TwoListeners hosts, ITestOutputHelper output) : IClassFixture<TwoListeners>
{
    private const int Operations = 60;

    private static async Task<(ImapClient Client, IMailFolder Inbox, IMailFolder Archive)> OpenAsync(ListenerHost host, MailboxRecord mailbox)
    {
        var client = new ImapClient { Timeout = 30_000 };
        await client.ConnectAsync("127.0.0.1", host.Ports.Imap, SecureSocketOptions.None);
        await client.AuthenticateAsync(mailbox.Address, ImapTestHost.Password);
        var archive = await client.GetFolderAsync("Archive");
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        return (client, client.Inbox, archive);
    }

    private static async Task<List<string>> SnapshotAsync(IMailFolder inbox)
    {
        if (inbox.Count == 0)
        {
            return [];
        }
        var items = await inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags);
        return items.OrderBy(m => m.Index)
            .Select(m => $"{m.Index + 1}:{m.UniqueId.Id}:{m.Flags & ~MessageFlags.Recent}:{string.Join(',', m.Keywords.Order(StringComparer.Ordinal))}")
            .ToList();
    }

    [Theory]
    [InlineData(20261127)]
    [InlineData(7)]
    public async Task Every_session_agrees_with_a_fresh_one_after_random_concurrent_changes(int seed)
    {
        var mailbox = await hosts.CreateMailboxAsync(12);
        var random = new Random(seed);
        var sessions = new List<(ImapClient Client, IMailFolder Inbox, IMailFolder Archive)>
        {
            await OpenAsync(hosts.A, mailbox),
            await OpenAsync(hosts.A, mailbox),
            await OpenAsync(hosts.B, mailbox),
            await OpenAsync(hosts.B, mailbox),
        };
        var counts = new Dictionary<string, int>();
        try
        {
            for (var i = 0; i < Operations; i++)
            {
                var (_, inbox, archive) = sessions[random.Next(sessions.Count)];
                var kind = inbox.Count == 0 ? 2 : random.Next(6);
                var index = inbox.Count == 0 ? 0 : random.Next(inbox.Count);
                switch (kind)
                {
                    case 0:
                        await inbox.AddFlagsAsync(index, MessageFlags.Flagged, silent: random.Next(2) == 0);
                        break;
                    case 1:
                        await inbox.AddFlagsAsync(index, MessageFlags.None, new HashSet<string> { "k" + random.Next(3) }, silent: true);
                        await inbox.RemoveFlagsAsync(random.Next(inbox.Count), MessageFlags.Flagged, silent: false);
                        break;
                    case 2:
                        var message = new MimeMessage(
                            [new MailboxAddress("Sender", "sender@example.org")], [new MailboxAddress("", mailbox.Address)], $"appended {i}",
                            new TextPart("plain") { Text = "Appended by a session." });
                        await inbox.AppendAsync(new AppendRequest(message, random.Next(2) == 0 ? MessageFlags.Seen : MessageFlags.None));
                        break;
                    case 3:
                        await inbox.AddFlagsAsync(index, MessageFlags.Deleted, silent: true);
                        await inbox.ExpungeAsync();
                        break;
                    case 4:
                        await inbox.MoveToAsync(index, archive);
                        break;
                    default:
                        await inbox.AddFlagsAsync(index, MessageFlags.Seen, silent: true);
                        break;
                }
                counts[kind.ToString(System.Globalization.CultureInfo.InvariantCulture)] = counts.GetValueOrDefault(kind.ToString(System.Globalization.CultureInfo.InvariantCulture)) + 1;
                // Another session hears about it now or later: a NOOP here and there, as clients do.
                if (random.Next(3) == 0)
                {
                    await sessions[random.Next(sessions.Count)].Client.NoOpAsync();
                }
            }

            var fresh = await OpenAsync(hosts.B, mailbox);
            sessions.Add(fresh);
            var expected = await SnapshotAsync(fresh.Inbox);
            output.WriteLine($"seed {seed}: {Operations} operations ({string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"kind {c.Key} x{c.Value}"))}); {expected.Count} messages left");
            for (var s = 0; s < sessions.Count - 1; s++)
            {
                var (client, inbox, _) = sessions[s];
                await client.NoOpAsync();
                Assert.Equal(fresh.Inbox.Count, inbox.Count);
                Assert.Equal(expected, await SnapshotAsync(inbox));
            }
        }
        finally
        {
            foreach (var (client, _, _) in sessions)
            {
                await client.DisconnectAsync(true);
                client.Dispose();
            }
        }
    }
}
