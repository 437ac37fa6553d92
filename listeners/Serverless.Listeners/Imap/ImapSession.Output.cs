using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap;

internal sealed partial class ImapSession
{
    private const int FlushThreshold = 64 * 1024;

    /// <summary>A whole response line of protocol-safe text.</summary>
    public void WriteLine(string text)
    {
        ImapWire.Text(Output, text);
        ImapWire.Crlf(Output);
    }

    /// <summary>A mailbox name: modified UTF-7, or UTF-8 once IMAP4rev2 is enabled.</summary>
    public void WriteMailbox(string name) => ImapWire.Mailbox(Output, name, Rev2);

    public void WriteTagged(string tag, ImapResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Status == ImapStatus.Sent)
        {
            return;
        }
        ImapWire.Text(Output, tag);
        ImapWire.Raw(Output, result.Status switch
        {
            ImapStatus.Ok => " OK "u8,
            ImapStatus.No => " NO "u8,
            _ => " BAD "u8,
        });
        if (result.Code is not null)
        {
            ImapWire.Text(Output, "[" + result.Code + "] ");
        }
        ImapWire.Text(Output, result.Text);
        ImapWire.Crlf(Output);
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken) => await Output.FlushAsync(cancellationToken);

    /// <summary>Flushes once a long response has piled up, so memory stays bounded.</summary>
    public async ValueTask FlushIfLargeAsync(CancellationToken cancellationToken)
    {
        if (!Output.CanGetUnflushedBytes || Output.UnflushedBytes >= FlushThreshold)
        {
            await Output.FlushAsync(cancellationToken);
        }
    }

    private Task SendFinalAsync(string line) => Transport.SendFinalAsync(() => WriteLine(line));
}
