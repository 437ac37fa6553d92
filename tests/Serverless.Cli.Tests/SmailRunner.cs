using Serverless.Testing.Stack;

namespace Serverless.Cli.Tests;

/// <summary>What one run of <c>smail</c> printed and exited with.</summary>
public sealed record SmailResult(int Code, string Out, string Error)
{
    public override string ToString() => $"exit {Code}\nstdout:\n{Out}\nstderr:\n{Error}";
}

/// <summary>
/// Runs the CLI's root command in this process, as <c>smail</c> would run, against a dev host:
/// its stdout and stderr captured, its environment and working folder the test's own.
/// </summary>
public sealed class SmailRunner(DevHostStack stack)
{
    public const string AdminKey = "cli-admin-key-0123456789abcdefghijkl";

    public string ApiUrl => $"http://127.0.0.1:{stack.ApiPort}";

    /// <summary>The environment the CLI sees (nothing but what a test puts here).</summary>
    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>What the CLI reads from standard input (not a terminal).</summary>
    public string Input { get; set; } = "";

    public string WorkingDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "smail-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>With the stack's URL and the admin key, unless the arguments give their own.</summary>
    public Task<SmailResult> AdminAsync(params string[] args) => RunAsync(["--api", ApiUrl, "--key", AdminKey, .. args]);

    public async Task<SmailResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext
        {
            Out = output,
            Error = error,
            In = new StringReader(Input),
            Environment = name => Environment.GetValueOrDefault(name),
            WorkingDirectory = WorkingDirectory,
        };
        var code = await SmailCli.RunAsync(args, context);
        return new SmailResult(code, output.ToString(), error.ToString());
    }
}
