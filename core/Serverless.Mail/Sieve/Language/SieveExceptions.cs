namespace Serverless.Mail.Sieve.Language;

/// <summary>A script that does not compile: the 1-based line and a readable reason (ManageSieve NO, API 400).</summary>
public sealed class SieveSyntaxException(int line, string reason) : Exception($"line {line}: {reason}")
{
    public int Line { get; } = line;

    public string Reason { get; } = reason;
}

/// <summary>A failure while running a compiled script (a limit hit, an invalid value made by variables).</summary>
public sealed class SieveRuntimeException(int line, string reason) : Exception($"line {line}: {reason}")
{
    public int Line { get; } = line;

    public string Reason { get; } = reason;
}
