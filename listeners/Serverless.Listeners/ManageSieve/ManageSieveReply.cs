using Serverless.Protocols.ManageSieve;

namespace Serverless.Listeners.ManageSieve;

/// <summary>What the session does after writing a reply.</summary>
internal enum ManageSieveAfterReply
{
    None,

    /// <summary>Flush and close (LOGOUT, BYE).</summary>
    Close,

    /// <summary>Flush, TLS handshake, then the capabilities again (RFC 5804 2.2).</summary>
    StartTls,
}

/// <summary>A data line before the final response: strings, or a string and an atom (<c>"name" ACTIVE</c>).</summary>
internal sealed record ManageSieveDataLine(string First, string? Second = null, bool SecondIsAtom = false, bool Literal = false);

/// <summary>
/// A command's answer: data lines and the final OK/NO/BYE. Commands never write to the connection:
/// they return one of these and the session writes it.
/// </summary>
internal sealed class ManageSieveReply
{
    private ManageSieveReply(ManageSieveStatus status, string? code, string? text)
    {
        Status = status;
        Code = code;
        Text = text;
    }

    public ManageSieveStatus Status { get; }

    /// <summary>A response code without parentheses, e.g. <c>QUOTA/MAXSIZE</c> or <c>TAG "x"</c>.</summary>
    public string? Code { get; }

    public string? Text { get; }

    public IReadOnlyList<ManageSieveDataLine> Lines { get; private init; } = [];

    public ManageSieveAfterReply After { get; private init; }

    /// <summary>Set for a SASL challenge: the session sends <see cref="Challenge"/>, reads the client's string and hands it here.</summary>
    public Func<string, CancellationToken, ValueTask<ManageSieveReply>>? Continuation { get; private init; }

    public string Challenge { get; private init; } = "";

    public static ManageSieveReply Ok(string? text = null, string? code = null) => new(ManageSieveStatus.Ok, code, text);

    public static ManageSieveReply No(string text, string? code = null) => new(ManageSieveStatus.No, code, text);

    public static ManageSieveReply Bye(string text, string? code = null) => new(ManageSieveStatus.Bye, code, text) { After = ManageSieveAfterReply.Close };

    public static ManageSieveReply Data(IReadOnlyList<ManageSieveDataLine> lines, string? text = null) => new(ManageSieveStatus.Ok, null, text) { Lines = lines };

    public static ManageSieveReply Continue(string challenge, Func<string, CancellationToken, ValueTask<ManageSieveReply>> continuation) =>
        new(ManageSieveStatus.Ok, null, null) { Challenge = challenge, Continuation = continuation };

    public ManageSieveReply Then(ManageSieveAfterReply after) => new(Status, Code, Text)
    {
        Lines = Lines,
        Continuation = Continuation,
        Challenge = Challenge,
        After = after,
    };
}
