using System.Security.Cryptography;
using System.Text;

namespace Serverless.Mail.Security;

/// <summary>
/// PBKDF2-HMAC-SHA256 password hashes in a self-describing string:
/// <c>$pbkdf2-sha256$i=600000$&lt;salt base64&gt;$&lt;hash base64&gt;</c>. The iteration count is
/// OWASP's current recommendation; the count is stored with each hash, so it can be raised later
/// and old hashes still verify.
/// </summary>
public sealed class PasswordHasher
{
    public const int DefaultIterations = 600_000;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private const string Scheme = "$pbkdf2-sha256$";

    public PasswordHasher(int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1000);
        Iterations = iterations;
        // A hash of a random password, verified against when the account does not exist,
        // so a wrong user costs the same time as a wrong password.
        DummyHash = Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)));
    }

    public int Iterations { get; }

    public string DummyHash { get; }

    public string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, HashBytes);
        return $"{Scheme}i={Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public static bool Verify(string password, string encoded)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (string.IsNullOrEmpty(encoded) || !encoded.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return false;
        }
        var parts = encoded[Scheme.Length..].Split('$');
        if (parts.Length != 3 || !parts[0].StartsWith("i=", StringComparison.Ordinal) ||
            !int.TryParse(parts[0].AsSpan(2), out var iterations) || iterations < 1000)
        {
            return false;
        }
        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[1]);
            expected = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
