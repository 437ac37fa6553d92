using Microsoft.Extensions.Configuration;

namespace Serverless.Mail.Forwarding;

/// <summary>Settings of section <c>Mail:Srs</c> (env <c>Mail__Srs__...</c>).</summary>
public sealed class SrsOptions
{
    public const string Section = "Mail:Srs";

    /// <summary>
    /// The HMAC key of SRS addresses: the same value on the MX (which checks bounces) and the
    /// function app (which rewrites forwards). Key Vault in Azure; <c>./run.sh</c> generates one
    /// into <c>.data/srs-secret</c>. Empty: forwards keep the original envelope sender and every
    /// SRS0 address is refused.
    /// </summary>
    public string Secret { get; set; } = "";

    /// <summary>How many days a bounce may take to come back.</summary>
    public int MaxAgeDays { get; set; } = 21;

    public static SrsOptions Bind(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new SrsOptions();
        configuration.GetSection(Section).Bind(options);
        return options;
    }
}

/// <summary>
/// <see cref="SrsCodec"/> with the configured key and today's date: rewrites the envelope sender of
/// mail forwarded to the internet, and turns a bounce's SRS0 recipient back into the original sender.
/// </summary>
public sealed class SenderRewriting(SrsOptions options, TimeProvider time)
{
    private readonly SrsCodec? _codec = string.IsNullOrEmpty(options.Secret) ? null : new SrsCodec(options.Secret);

    public bool Enabled => _codec is not null;

    /// <summary>The envelope sender a forward leaves with (unchanged without a key, and for <c>&lt;&gt;</c>).</summary>
    public string Rewrite(string mailFrom, string forwardingDomain) =>
        _codec is null ? mailFrom : _codec.Forward(mailFrom, forwardingDomain, Today);

    /// <summary>What an SRS0 local part reverses to; every SRS0 address is invalid without a key.</summary>
    public SrsReversal Reverse(string localPart)
    {
        if (!SrsCodec.IsSrs(localPart))
        {
            return new(SrsStatus.NotSrs, null);
        }
        return _codec is null ? new(SrsStatus.BadHash, null) : _codec.Reverse(localPart, Today, options.MaxAgeDays);
    }

    private DateOnly Today => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
}
