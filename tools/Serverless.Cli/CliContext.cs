namespace Serverless.Cli;

/// <summary>
/// Where a run of the CLI writes and what it reads from its surroundings; the process's own by
/// default, a test's writers and environment when the CLI is driven in-process.
/// </summary>
public sealed class CliContext
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>Whether <see cref="Out"/> is a terminal (colours; tables as wide as the window).</summary>
    public bool OutIsTerminal { get; init; }

    /// <summary>Standard input: where <c>--password-stdin</c> reads from.</summary>
    public TextReader In { get; init; } = TextReader.Null;

    /// <summary>Whether standard input is a terminal (a password may then be asked for, unechoed).</summary>
    public bool InIsTerminal { get; init; }

    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Where <c>.data/admin-key</c> (written by ./run.sh) is looked for.</summary>
    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>The HTTP handler to send through (none: a fresh one per run).</summary>
    public HttpMessageHandler? Handler { get; init; }

    public static CliContext ForProcess() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        In = Console.In,
        InIsTerminal = !Console.IsInputRedirected,
        OutIsTerminal = !Console.IsOutputRedirected,
    };
}
