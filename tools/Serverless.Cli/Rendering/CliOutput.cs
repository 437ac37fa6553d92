using System.Text.Json.Nodes;
using Serverless.Cli.Api;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Serverless.Cli.Rendering;

/// <summary>
/// Standard output of one run: the API's JSON as it came (<c>--json</c>) or what a person reads —
/// tables (Spectre.Console) and plain lines. Colours only on a terminal.
/// </summary>
public sealed class CliOutput
{
    private readonly TextWriter _writer;
    private readonly IAnsiConsole _console;

    public CliOutput(TextWriter writer, bool json, bool terminal)
    {
        _writer = writer;
        Json = json;
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        if (!terminal)
        {
            // Piped or captured: no window to fit, so long values (DKIM keys) are not wrapped early.
            _console.Profile.Width = 200;
        }
        _console.Profile.Capabilities.Unicode = true;
    }

    /// <summary>Whether <c>--json</c> was given.</summary>
    public bool Json { get; }

    /// <summary>The API's JSON with <c>--json</c>, else what <paramref name="render"/> makes of the answer.</summary>
    public void Show<T>(ApiReply<T> reply, Action<CliOutput, T> render)
    {
        ArgumentNullException.ThrowIfNull(reply);
        ArgumentNullException.ThrowIfNull(render);
        if (Json)
        {
            WriteJson(reply.Json);
        }
        else
        {
            render(this, reply.Value);
        }
    }

    /// <summary>With <c>--json</c>: JSON made here (an answer with a value added, a merged listing); else the line.</summary>
    public void Show(JsonNode json, string line)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (Json)
        {
            WriteJson(json.ToJsonString());
        }
        else
        {
            Line(line);
        }
    }

    public void WriteJson(string json) => _writer.WriteLine(json);

    /// <summary>A plain line (no markup), or nothing with <c>--json</c> when a command has no JSON answer to print.</summary>
    public void Line(string text)
    {
        if (!Json)
        {
            _writer.WriteLine(text);
        }
    }

    /// <summary>A Spectre.Console progress display on this output (redrawn on a terminal, a line per change otherwise).</summary>
    public Progress Progress() => _console.Progress();

    public void Write(IRenderable renderable)
    {
        if (!Json)
        {
            _console.Write(renderable);
        }
    }
}
