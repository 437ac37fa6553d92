using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 4467 7.3 URLFETCH with RFC 5524's BODY / BINARY / BODYPARTSTRUCTURE: the bytes of each
/// URLAUTH-authorized URL (see <see cref="ImapUrlResolver"/>), NIL for one that is not valid
/// (the command itself succeeds). One untagged URLFETCH response with every URL and its data
/// (RFC 4467 9.), written as it is read: a large part is streamed from its blob, never held whole.
/// </summary>
internal sealed class UrlFetchCommand : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (UrlFetchArguments)command.Arguments;
        var w = session.Output;
        ImapWire.Raw(w, "* URLFETCH"u8);
        foreach (var request in args.Urls)
        {
            var bytes = await ImapUrlResolver.ResolveAsync(session, request.Url, requireUrlAuth: true, cancellationToken);
            ImapWire.Space(w);
            ImapWire.String(w, request.Url);
            ImapWire.Space(w);
            if (bytes is null)
            {
                ImapWire.Raw(w, "NIL"u8);
            }
            else if (!request.Extended)
            {
                await UrlContent.WriteRawAsync(session, bytes, cancellationToken);
            }
            else
            {
                await WriteExtendedAsync(session, request, bytes, cancellationToken);
            }
            await session.FlushIfLargeAsync(cancellationToken);
        }
        ImapWire.Crlf(w);
        return ImapResult.Ok("URLFETCH completed");
    }

    /// <summary>RFC 5524: <c>"(" ["BODYPARTSTRUCTURE" SP body] [SP] [("BODY" / "BINARY") SP nstring] ")"</c>.</summary>
    private static async Task WriteExtendedAsync(ImapSession session, UrlFetchRequest request, UrlBytes bytes, CancellationToken cancellationToken)
    {
        var w = session.Output;
        ImapWire.Raw(w, "("u8);
        if (request.Binary && request.BodyPartStructure && bytes.Length <= UrlContent.DecodeInMemoryUpTo)
        {
            // The structure of the decoded bytes sent with it (see UrlContent.DecodeWithStructureAsync).
            var (data, structure) = await UrlContent.DecodeWithStructureAsync(session, bytes, cancellationToken);
            if (structure is not null)
            {
                ImapWire.Raw(w, "BODYPARTSTRUCTURE "u8);
                ImapStructureWriter.Body(w, structure, extensible: true);
                ImapWire.Space(w);
            }
            ImapWire.Raw(w, "BINARY "u8);
            if (data is null)
            {
                ImapWire.Raw(w, "NIL"u8);
            }
            else
            {
                await UrlContent.WriteBytesAsync(session, data, cancellationToken);
            }
            ImapWire.Raw(w, ")"u8);
            return;
        }
        var first = true;
        if (request.BodyPartStructure && bytes.Part is { } part)
        {
            ImapWire.Raw(w, "BODYPARTSTRUCTURE "u8);
            ImapStructureWriter.Body(w, part, extensible: true);
            first = false;
        }
        if (request.Body || request.Binary)
        {
            if (!first)
            {
                ImapWire.Space(w);
            }
            if (request.Body)
            {
                ImapWire.Raw(w, "BODY "u8);
                await UrlContent.WriteRawAsync(session, bytes, cancellationToken);
            }
            else
            {
                ImapWire.Raw(w, "BINARY "u8);
                await UrlContent.WriteBinaryAsync(session, bytes, cancellationToken);
            }
        }
        ImapWire.Raw(w, ")"u8);
    }
}
