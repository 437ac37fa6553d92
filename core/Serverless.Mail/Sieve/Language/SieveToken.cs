namespace Serverless.Mail.Sieve.Language;

public enum SieveTokenKind
{
    Identifier,
    Tag,
    Number,
    String,
    LeftBracket,
    RightBracket,
    LeftParen,
    RightParen,
    LeftBrace,
    RightBrace,
    Comma,
    Semicolon,
    End,
}

/// <summary>One lexical token (RFC 5228 §8.1). <see cref="Text"/> is the identifier/tag name (lower case, no colon) or the string's value.</summary>
public readonly record struct SieveToken(SieveTokenKind Kind, string Text, long Number, int Line);
