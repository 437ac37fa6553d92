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

    /// <summary>
    /// A literal (<c>~{n}</c> when <paramref name="literal8"/>) of exactly <paramref name="length"/> bytes
    /// streamed from <paramref name="stream"/>, flushed as it grows. Once its header is out a literal
    /// cannot be taken back: data shorter than promised (a blob shorter than its index row says) or
    /// storage failing mid-way ends the session. An ordinary literal carries no NUL (<see cref="ImapWire.Char8"/>).
    /// </summary>
    public async Task WriteLiteralAsync(Stream stream, long length, bool literal8, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (literal8)
        {
            ImapWire.Raw(Output, "~"u8);
        }
        ImapWire.LiteralHeader(Output, length);
        var remaining = length;
        while (remaining > 0)
        {
            var memory = Output.GetMemory((int)Math.Min(remaining, 16 * 1024));
            int n;
            try
            {
                n = await stream.ReadAsync(memory[..(int)Math.Min(remaining, memory.Length)], cancellationToken);
            }
            catch (Exception e) when (Serverless.Mail.Storage.StorageFailures.IsTransient(e))
            {
                throw new ImapFatalException("Storage failed while sending message data", e);
            }
            if (n == 0)
            {
                throw new ImapFatalException("Message data ended early");
            }
            if (!literal8)
            {
                ImapWire.ReplaceNul(memory.Span[..n]);
            }
            Output.Advance(n);
            remaining -= n;
            await FlushIfLargeAsync(cancellationToken);
        }
    }

    private Task SendFinalAsync(string line) => Transport.SendFinalAsync(() => WriteLine(line));
}
