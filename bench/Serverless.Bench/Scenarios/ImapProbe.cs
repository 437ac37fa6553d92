using Serverless.Bench.Clients;
using Serverless.Bench.Stack;

namespace Serverless.Bench.Scenarios;

/// <summary>Whether the stack's IMAP listener serves LOGIN + SELECT (it is built out on its own branch).</summary>
internal static class ImapProbe
{
    public static async Task<bool> IsAvailableAsync(BenchStack stack)
    {
        var mailbox = await stack.CreateMailboxAsync("probe");
        try
        {
            await using var imap = await ImapConnection.ConnectAsync(stack.Port("Imap"));
            await imap.LoginAsync(mailbox.Address, BenchStack.Password);
            await imap.SelectAsync("INBOX");
            await imap.LogoutAsync();
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
