using System.Security.Cryptography;
using System.Text;

namespace Serverless.Mail.Migration;

/// <summary>
/// Encrypts an IMAP source's password for the import row (AES-256-GCM with a fresh nonce, the import
/// id as associated data so a ciphertext cannot be moved to another import). The key is derived
/// (HKDF-SHA256) from <see cref="ImportOptions.SecretKey"/>, which lives in Key Vault, never in storage.
/// The plain password exists only in memory while a run connects; it is never logged.
/// </summary>
public sealed class SourcePasswords
{
    private readonly byte[]? _key;

    public SourcePasswords(ImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _key = string.IsNullOrEmpty(options.SecretKey)
            ? null
            : HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(options.SecretKey), 32, info: "serverless-mail import source password"u8.ToArray());
    }

    public bool Configured => _key is not null;

    public string Protect(string importId, string password)
    {
        var key = _key ?? throw new InvalidOperationException("Mail:Import:SecretKey is not set.");
        var plain = Encoding.UTF8.GetBytes(password);
        var output = new byte[12 + 16 + plain.Length];
        RandomNumberGenerator.Fill(output.AsSpan(0, 12));
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(output.AsSpan(0, 12), plain, output.AsSpan(28), output.AsSpan(12, 16), Encoding.UTF8.GetBytes(importId));
        CryptographicOperations.ZeroMemory(plain);
        return Convert.ToBase64String(output);
    }

    public string Unprotect(string importId, string protectedPassword)
    {
        var key = _key ?? throw new InvalidOperationException("Mail:Import:SecretKey is not set.");
        var input = Convert.FromBase64String(protectedPassword);
        var plain = new byte[input.Length - 28];
        using var aes = new AesGcm(key, 16);
        aes.Decrypt(input.AsSpan(0, 12), input.AsSpan(28), input.AsSpan(12, 16), plain, Encoding.UTF8.GetBytes(importId));
        return Encoding.UTF8.GetString(plain);
    }
}
