using System.Buffers;
using MimeKit;

namespace Serverless.Mail.Outbound;

/// <summary>
/// A message being relayed, spooled from its blob into a local temporary file (deleted on
/// dispose) and parsed by MimeKit in persistent mode: part contents stay in the file, so memory
/// does not grow with the message size. While copying it notes whether headers or body carry
/// 8-bit bytes — what decides the SMTPUTF8 / 8BITMIME needs (RFC 6531 / RFC 6152).
/// </summary>
public sealed class OutboundMessageFile : IAsyncDisposable
{
    private readonly FileStream _file;

    private OutboundMessageFile(FileStream file, MimeMessage message, long size, bool headers8Bit, bool body8Bit)
    {
        _file = file;
        Message = message;
        Size = size;
        HeadersHave8Bit = headers8Bit;
        BodyHas8Bit = body8Bit;
    }

    public MimeMessage Message { get; }

    public long Size { get; }

    public bool HeadersHave8Bit { get; }

    public bool BodyHas8Bit { get; }

    /// <summary>
    /// Held while the message is written to one server. Its parts read from the one temporary
    /// file (persistent MimeKit parsing: seek, then read), so two domains sending at once would
    /// read each other's positions and could send garbled bytes. Connections, EHLO and STARTTLS still run in parallel; the
    /// transaction itself (MAIL, RCPT, DATA) waits its turn.
    /// </summary>
    public SemaphoreSlim Sending { get; } = new(1, 1);

    public static async Task<OutboundMessageFile> CreateAsync(Stream source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var path = Path.Combine(Path.GetTempPath(), "outbound-" + Guid.NewGuid().ToString("N") + ".eml");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920,
            FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        try
        {
            var scan = new EightBitScan();
            var buffer = ArrayPool<byte>.Shared.Rent(81920);
            try
            {
                int n;
                while ((n = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    scan.Add(buffer.AsSpan(0, n));
                    await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            var size = file.Length;
            file.Position = 0;
            var message = await MimeMessage.LoadAsync(ParserOptions.Default, file, persistent: true, cancellationToken).ConfigureAwait(false);
            // Trace and blind-copy headers are not for the recipients (Postfix's cleanup drops Bcc too).
            message.Headers.RemoveAll(HeaderId.ReturnPath);
            message.Headers.RemoveAll(HeaderId.Bcc);
            return new OutboundMessageFile(file, message, size, scan.Headers8Bit, scan.Body8Bit);
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Sending.Dispose();
        Message.Dispose();
        await _file.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Finds the end of the header block (first empty line) and 8-bit bytes on either side of it.</summary>
    private sealed class EightBitScan
    {
        private int _newlines; // consecutive line ends seen at the header/body boundary
        private bool _inBody;

        public bool Headers8Bit { get; private set; }

        public bool Body8Bit { get; private set; }

        public void Add(ReadOnlySpan<byte> chunk)
        {
            foreach (var b in chunk)
            {
                if (_inBody)
                {
                    if (b >= 0x80)
                    {
                        Body8Bit = true;
                        return;
                    }
                    continue;
                }
                if (b >= 0x80)
                {
                    Headers8Bit = true;
                }
                if (b == '\n')
                {
                    if (++_newlines == 2)
                    {
                        _inBody = true;
                    }
                }
                else if (b != '\r')
                {
                    _newlines = 0;
                }
            }
        }
    }
}
