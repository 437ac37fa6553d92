using System.Security.Cryptography;

namespace Serverless.Cli.Commands;

/// <summary>A password for a new mailbox when none is given: 20 characters (~115 bits), none that look alike.</summary>
public static class GeneratedPassword
{
    private const string Alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    public static string New() => new(RandomNumberGenerator.GetItems<char>(Alphabet, 20));
}
