using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 4978 COMPRESS DEFLATE, after login (and after TLS, which it layers over). The tagged OK goes
/// out uncompressed, then both directions are raw deflate; a second COMPRESS is refused.
/// </summary>
internal sealed class CompressCommand : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (CompressArguments)command.Arguments;
        if (session.Transport.IsCompressed)
        {
            return ImapResult.No("Compression is already active", "COMPRESSIONACTIVE");
        }
        if (args.Algorithm != "DEFLATE")
        {
            return ImapResult.Bad("Unknown compression algorithm " + args.Algorithm);
        }
        await session.Transport.StartDeflateAsync(async ct =>
        {
            session.WriteTagged(command.Tag, ImapResult.Ok("DEFLATE active"));
            await session.FlushAsync(ct);
        }, cancellationToken);
        return ImapResult.Sent;
    }
}
