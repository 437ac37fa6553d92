using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3;

/// <summary>What the session does after writing a reply.</summary>
internal enum Pop3AfterReply
{
    None,

    /// <summary>Flush and close the connection (QUIT, or a protocol violation).</summary>
    Close,

    /// <summary>Flush, then start the TLS handshake (STLS).</summary>
    StartTls,
}

/// <summary>
/// A command's answer. Commands never write to the connection: they return one of these and the
/// session writes it, streaming message bodies through the byte-stuffer.
/// </summary>
internal sealed class Pop3Reply
{
    private Pop3Reply(Pop3Response status) => Status = status;

    public Pop3Response Status { get; }

    /// <summary>The lines of a multi-line listing (CAPA, LIST, UIDL).</summary>
    public IReadOnlyList<string>? Lines { get; private init; }

    /// <summary>A message body streamed after the status line (RETR, TOP).</summary>
    public Pop3MessageBody? Body { get; private init; }

    public Pop3AfterReply After { get; private init; }

    /// <summary>
    /// Set for a SASL challenge ("+ ..."): the session reads the client's next line and hands it here.
    /// </summary>
    public Func<string, CancellationToken, ValueTask<Pop3Reply>>? Continuation { get; private init; }

    public string Challenge { get; private init; } = "";

    public static Pop3Reply Ok(string text) => new(Pop3Response.Success(text));

    public static Pop3Reply Error(string text, string? code = null) => new(Pop3Response.Error(text, code));

    public static Pop3Reply MultiLine(string text, IReadOnlyList<string> lines) => new(Pop3Response.Success(text)) { Lines = lines };

    public static Pop3Reply Message(string text, Pop3MessageBody body) => new(Pop3Response.Success(text)) { Body = body };

    public static Pop3Reply Continue(string challenge, Func<string, CancellationToken, ValueTask<Pop3Reply>> continuation) =>
        new(Pop3Response.Success("")) { Challenge = challenge, Continuation = continuation };

    public Pop3Reply Then(Pop3AfterReply after) => new(Status)
    {
        Lines = Lines,
        Body = Body,
        Continuation = Continuation,
        Challenge = Challenge,
        After = after,
    };
}

/// <summary>A message being sent: the open blob stream, and for TOP the number of body lines.</summary>
internal sealed class Pop3MessageBody(Stream content, int? topLines) : IAsyncDisposable
{
    public Stream Content { get; } = content;

    public int? TopLines { get; } = topLines;

    public ValueTask DisposeAsync() => Content.DisposeAsync();
}
