using MimeKit;
using Serverless.Mail.Messages;
using Serverless.Mail.Model;

namespace Serverless.Listeners.Imap;

/// <summary>
/// An APPENDed message with parts in Content-Transfer-Encoding "binary" (RFC 3516 literal8) is
/// stored with those parts in base64, so BODY[...] never has to send NUL or bare line ends in an
/// ordinary literal; BINARY[...] decodes them back to the client's bytes. A small message is
/// rewritten from the copy already in memory; a larger one through a temporary file, never whole
/// in memory.
/// </summary>
internal static class BinaryAppend
{
    public static bool HasBinaryPart(MimePartSummary part) =>
        string.Equals(part.Encoding?.Trim(), "binary", StringComparison.OrdinalIgnoreCase)
        || (part.Parts?.Any(HasBinaryPart) ?? false)
        || (part.MessageBody is { } inner && HasBinaryPart(inner));

    /// <summary>Writes the converted message to a new blob and returns its name and size.</summary>
    public static async Task<(string BlobName, long Size)> ToBase64Async(MessageStore store, string blobName, MemoryStream? copy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        FileStream? temp = null;
        try
        {
            Stream source;
            if (copy is not null)
            {
                copy.Position = 0;
                source = copy;
            }
            else
            {
                temp = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
                await using (var blob = await store.OpenReadAsync(blobName, cancellationToken))
                {
                    await blob.CopyToAsync(temp, cancellationToken);
                }
                temp.Position = 0;
                source = temp;
            }
            // persistent: part contents stay ranges of the source, not copies in memory.
            using var message = await MimeMessage.LoadAsync(source, persistent: true, cancellationToken);
            using var parts = new MimeIterator(message);
            while (parts.MoveNext())
            {
                if (parts.Current is MimePart { ContentTransferEncoding: ContentEncoding.Binary } leaf)
                {
                    leaf.ContentTransferEncoding = ContentEncoding.Base64;
                }
            }
            var name = MessageStore.NewBlobName(now);
            var options = FormatOptions.Default.Clone();
            options.NewLineFormat = NewLineFormat.Dos;
            await using var writer = store.CreateWriter(name);
            await message.WriteToAsync(options, writer, cancellationToken);
            var size = await writer.CommitAsync(cancellationToken: cancellationToken);
            return (name, size);
        }
        finally
        {
            if (temp is not null)
            {
                await temp.DisposeAsync();
            }
        }
    }
}
