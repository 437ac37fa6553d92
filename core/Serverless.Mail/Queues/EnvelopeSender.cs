namespace Serverless.Mail.Queues;

/// <summary>
/// MAIL FROM with the parameters that travel with a message on both queues: the reverse-path
/// (empty for the null sender), RFC 3461 ENVID and RET, and BODY / SMTPUTF8 as the client gave them.
/// </summary>
public sealed record EnvelopeSender(string Address, string? EnvelopeId = null, string? Ret = null, string? Body = null, bool SmtpUtf8 = false);
