using System.Text;

namespace Serverless.Fuzz.Targets;

/// <summary>
/// One fuzz target: a parser (or a pipeline of them) fed arbitrary bytes. It must never throw
/// except where the code under test documents a refusal (those are caught here); any other
/// exception, a broken invariant (thrown as <see cref="FuzzInvariantException"/>), a hang or a
/// memory blow-up is a finding.
/// </summary>
public abstract class FuzzTarget
{
    public abstract string Name { get; }

    /// <summary>Valid inputs to start mutating from.</summary>
    public abstract IReadOnlyList<byte[]> Seeds { get; }

    /// <summary>Tokens the mutator splices in (keywords, delimiters, interesting numbers).</summary>
    public virtual IReadOnlyList<byte[]> Dictionary => [];

    public abstract void Run(ReadOnlySpan<byte> input);

    protected static byte[] B(string text) => Encoding.UTF8.GetBytes(text);

    protected static void Check(bool condition, string invariant)
    {
        if (!condition)
        {
            throw new FuzzInvariantException(invariant);
        }
    }

    /// <summary>Every target, by name.</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new SmtpCommandTarget(),
        new SmtpDataTarget(),
        new Pop3CommandTarget(),
        new ManageSieveCommandTarget(),
        new ImapCommandTarget(),
        new MimeSummaryTarget(),
        new ProxyHeaderTarget(),
        new SieveScriptTarget(),
    ];

    public static FuzzTarget Find(string name) =>
        All.FirstOrDefault(t => t.Name == name) ?? throw new ArgumentException($"No fuzz target '{name}'; targets: {string.Join(", ", All.Select(t => t.Name))}");
}

/// <summary>A property the code under test must keep was broken (a bug even though nothing threw).</summary>
public sealed class FuzzInvariantException : Exception
{
    public FuzzInvariantException(string message)
        : base(message)
    {
    }

    public FuzzInvariantException()
    {
    }

    public FuzzInvariantException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
