using System.Globalization;
using Serverless.Protocols.Smtp;

namespace Serverless.Listeners.Smtp.Commands;

/// <summary>
/// BDAT (RFC 3030 CHUNKING). Every chunk is read in full even when it is refused, so its octets
/// can never be taken for commands. Chunks go into <see cref="Mail.Delivery.MessageIntake"/> as they arrive; the
/// message is accepted after the LAST chunk. Chunks obey DATA's bare CR/LF rule: a bare CR or LF
/// anywhere in the message (<see cref="BareLineEndingCheck"/>) drops it and closes the session, as
/// DATA does.
/// </summary>
public sealed class BdatCommand : ISmtpCommand
{
    public async ValueTask<SmtpReply?> ExecuteAsync(SmtpSession session, SmtpCommandLine line, CancellationToken cancellationToken)
    {
        var parsed = SmtpCommandParser.ParseBdat(line.Argument);
        if (!parsed.Ok)
        {
            // Without a size the chunk cannot be skipped: the stream is out of step, so close — and
            // say so with 521 (RFC 7504; Postfix answers the same): a 501 tells the client the
            // session goes on, and its next command would meet a closed connection.
            session.Closing = true;
            return SmtpReply.Of(521, parsed.Error!.Enhanced ?? "5.5.4", parsed.Error.Lines[0] + "; closing connection");
        }
        var (size, last) = parsed.Value;
        var tx = session.Transaction;
        if (tx is null || tx.Recipients.Count == 0)
        {
            if (!await session.ReadChunkAsync(size, null))
            {
                session.Closing = true;
                return null;
            }
            return tx is null ? SmtpReply.Of(503, "5.5.1", "Need MAIL and RCPT before BDAT") : SmtpReply.Of(554, "5.5.1", "No valid recipients");
        }
        if (tx.ChunkingFailed || (tx.Chunked?.Length ?? 0) + size > session.Options.MaxMessageSize)
        {
            if (tx.Chunked is not null)
            {
                await tx.Chunked.DisposeAsync();
                tx.Chunked = null;
            }
            tx.ChunkingFailed = true;
            session.State = SmtpState.Chunking;
            if (!await session.ReadChunkAsync(size, null))
            {
                session.Closing = true;
                return null;
            }
            if (last)
            {
                await session.ResetTransactionAsync();
            }
            return SmtpReply.Of(552, "5.3.4", "Message size exceeds fixed maximum message size");
        }
        if (tx.Chunked is null)
        {
            tx.Chunked = session.Services.BeginMessage(SmtpEnvelope.For(session, tx));
            session.State = SmtpState.Chunking;
        }
        var message = tx.Chunked;
        if (!await session.ReadChunkAsync(size, message, tx.ChunkLineEndings))
        {
            session.Closing = true;
            return null;
        }
        if (tx.ChunkLineEndings.Failed || (last && !tx.ChunkLineEndings.Complete()))
        {
            // DATA's rule and answer (SmtpDataDecoder): the message is dropped, nothing is queued.
            await session.ResetTransactionAsync();
            session.Closing = true;
            return SmtpReply.Of(521, "5.5.2", "Bare CR or LF in message data is not allowed; closing connection");
        }
        if (!last)
        {
            return SmtpReply.Of(250, "2.0.0", size.ToString(CultureInfo.InvariantCulture) + " octets received");
        }
        try
        {
            if (message.Length > 0 && !tx.ChunkLineEndings.EndsWithLineBreak)
            {
                // BDAT needs no final CRLF, but a stored message without one is sent 2 octets longer
                // than POP3's LIST says (RETR must end its last line before the "."; poplib and
                // fetchmail count them). Postfix ends the line too; DKIM's body hash is the same either
                // way (both canonicalizations add a missing final CRLF, RFC 6376 3.4.3/3.4.4).
                await message.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
            }
            return await QuotaReplies.AtEndAsync(session, tx, message.Length, cancellationToken)
                ?? IntakeReply.For(await session.Services.AcceptAsync(message));
        }
        finally
        {
            await session.ResetTransactionAsync();
        }
    }
}
