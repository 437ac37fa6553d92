namespace Serverless.Cli.Api;

/// <summary>An answer of the API: read into <typeparamref name="T"/>, and its JSON text as sent (what <c>--json</c> prints).</summary>
public sealed record ApiReply<T>(T Value, string Json, int Status);
