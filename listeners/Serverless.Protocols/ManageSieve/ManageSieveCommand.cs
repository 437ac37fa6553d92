namespace Serverless.Protocols.ManageSieve;

/// <summary>One argument of a command: a string (quoted or literal, UTF-8) or a number.</summary>
public readonly record struct ManageSieveArgument(string? Text, long? Number, bool WasLiteral)
{
    public bool IsString => Text is not null;
}

/// <summary>
/// One parsed command (RFC 5804 section 2): the name upper-cased and its arguments in order.
/// Which arguments a command needs is the command's business; the parser only knows the syntax.
/// </summary>
public sealed record ManageSieveCommand(string Name, IReadOnlyList<ManageSieveArgument> Arguments)
{
    /// <summary>AUTHENTICATE carries a secret (never logged).</summary>
    public bool CarriesSecret => Name == "AUTHENTICATE";

    /// <summary>Argument <paramref name="index"/> as a string, or null when absent or a number.</summary>
    public string? StringAt(int index) => index < Arguments.Count ? Arguments[index].Text : null;
}
