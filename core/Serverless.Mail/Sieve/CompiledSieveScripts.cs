using System.Collections.Concurrent;
using Serverless.Mail.Sieve.Language;

namespace Serverless.Mail.Sieve;

/// <summary>A compiled script, or why the stored text does not compile.</summary>
public sealed record CompiledSieveScript(SieveScript? Script, SieveSyntaxException? Error);

/// <summary>
/// Scripts are compiled once per version and shared by every message of every mailbox in the
/// process. The text is compared too, so two stores' versions that happen to be equal never mix.
/// The cache is bounded: past <see cref="MaxEntries"/> it starts over.
/// </summary>
public sealed class CompiledSieveScripts
{
    public const int MaxEntries = 2048;

    private readonly ConcurrentDictionary<string, (string Text, CompiledSieveScript Compiled)> _cache = new(StringComparer.Ordinal);

    public CompiledSieveScript Get(ActiveSieveScript script)
    {
        ArgumentNullException.ThrowIfNull(script);
        if (_cache.TryGetValue(script.Version, out var hit) && string.Equals(hit.Text, script.Text, StringComparison.Ordinal))
        {
            return hit.Compiled;
        }
        CompiledSieveScript compiled;
        try
        {
            compiled = new CompiledSieveScript(SieveCompiler.Compile(script.Text), null);
        }
        catch (SieveSyntaxException e)
        {
            compiled = new CompiledSieveScript(null, e);
        }
        if (_cache.Count >= MaxEntries)
        {
            _cache.Clear();
        }
        _cache[script.Version] = (script.Text, compiled);
        return compiled;
    }
}
