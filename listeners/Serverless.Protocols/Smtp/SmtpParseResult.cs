namespace Serverless.Protocols.Smtp;

// CA1000: the factories read best at the call site as SmtpParseResult<T>.Fail(...).
#pragma warning disable CA1000

/// <summary>A parsed value, or the precise reply that explains why the input was refused.</summary>
public readonly record struct SmtpParseResult<T>(T? Value, SmtpReply? Error)
{
    public bool Ok => Error is null;

    public static SmtpParseResult<T> Success(T value) => new(value, null);

    public static SmtpParseResult<T> Fail(int code, string enhanced, string text) => new(default, SmtpReply.Of(code, enhanced, text));

    public static SmtpParseResult<T> Fail(SmtpReply reply) => new(default, reply);
}
