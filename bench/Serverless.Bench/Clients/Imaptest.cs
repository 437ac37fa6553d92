using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Serverless.Bench.Clients;

/// <summary>
/// Dovecot's imaptest in its stress mode (no <c>test=</c>): N clients on one account, so they share
/// its INBOX, each running imaptest's random state machine (LOGIN, LIST, STATUS, SELECT, FETCH,
/// FETCH2, STORE, STORE \Deleted, EXPUNGE, APPEND from an mbox, LOGOUT, with imaptest's default
/// probabilities) and checking the server's answers against what it tracked. The binary is not
/// ours: it is found by <see cref="Locate"/> and run as a child process.
/// </summary>
internal static class Imaptest
{
    /// <summary>--imaptest, $IMAPTEST, /usr/local/bin/imaptest, then the build bench/README.md describes.</summary>
    public static string? Locate(string? configured)
    {
        foreach (var path in new[] { configured, Environment.GetEnvironmentVariable("IMAPTEST"), "/usr/local/bin/imaptest", "/tmp/imaptest-old/src/imaptest" })
        {
            if (!string.IsNullOrEmpty(path) && File.Exists(path))
            {
                return path;
            }
        }
        return null;
    }

    /// <summary>Runs it to the end and returns the totals it printed, its wall time and the error lines it wrote.</summary>
    public static async Task<ImaptestResult> RunAsync(string binary, string host, int port, string user, string password, int clients, int seconds,
        string mbox, IEnumerable<string> extra)
    {
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { $"host={host}", $"port={port}", $"user={user}", $"pass={password}", "ssl=any-cert", $"clients={clients}", $"secs={seconds}", $"mbox={mbox}" }.Concat(extra))
        {
            start.ArgumentList.Add(a);
        }
        // imaptest links against Dovecot's private libraries (dovecot-dev), which live outside the loader's path.
        if (Directory.Exists("/usr/lib/dovecot"))
        {
            var current = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
            start.Environment["LD_LIBRARY_PATH"] = string.IsNullOrEmpty(current) ? "/usr/lib/dovecot" : "/usr/lib/dovecot:" + current;
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{binary} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"imaptest did not end within {seconds + 90} s");
        }
        var wall = clock.Elapsed.TotalSeconds;
        var output = await stdout;
        var errors = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new ImaptestResult(ParseTotals(output), wall, errors, process.ExitCode);
    }

    /// <summary>
    /// The counters under "Totals:": a line of short state names (Logi List … Logo), one or two lines
    /// of probabilities, then the counts in the same columns.
    /// </summary>
    public static IReadOnlyDictionary<string, int> ParseTotals(string output)
    {
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var at = lines.FindLastIndex(l => l.Trim() == "Totals:");
        if (at < 0 || at + 1 >= lines.Count)
        {
            throw new FormatException("imaptest printed no totals");
        }
        var names = lines[at + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var counts = lines.Skip(at + 2)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .FirstOrDefault(f => f.Length == names.Length && f.All(x => x.All(char.IsAsciiDigit)))
            ?? throw new FormatException("imaptest's totals have no counts line");
        return names.Select((n, i) => (n, Count: int.Parse(counts[i], CultureInfo.InvariantCulture))).ToDictionary(x => x.n, x => x.Count);
    }

    /// <summary>An mbox of <paramref name="count"/> CRLF messages of about <paramref name="size"/> bytes for imaptest's APPENDs (varied subjects, senders and bodies).</summary>
    public static string WriteMbox(string path, int count, int size)
    {
        var words = new[] { "alpha", "beta", "gamma", "delta", "topic1", "topic2", "meeting", "report", "invoice", "travel", "budget", "lunch" };
        var random = new Random(1);
        var sb = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"From sender{i}@client.test Thu Dec  3 10:00:00 2026\n");
            sb.Append(CultureInfo.InvariantCulture, $"From: Sender {i} <sender{i}@client.test>\r\nTo: user@bench.test\r\nCc: other{i % 5}@client.test\r\n");
            sb.Append(CultureInfo.InvariantCulture, $"Subject: Message {i} about {words[random.Next(words.Length)]}\r\nDate: Thu, 3 Dec 2026 10:{i % 60:00}:00 +0000\r\n");
            sb.Append(CultureInfo.InvariantCulture, $"Message-ID: <m{i}@client.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n");
            var body = 0;
            while (body < size)
            {
                var line = string.Join(' ', Enumerable.Range(0, 12).Select(_ => words[random.Next(words.Length)])) + "\r\n";
                sb.Append(line);
                body += line.Length;
            }
            sb.Append('\n');
        }
        File.WriteAllText(path, sb.ToString());
        return path;
    }
}

/// <summary>What one imaptest run printed: its totals by short state name, how long it ran, its error lines.</summary>
internal sealed record ImaptestResult(IReadOnlyDictionary<string, int> Totals, double Seconds, IReadOnlyList<string> Errors, int ExitCode)
{
    /// <summary>Every command imaptest counted (its states, LOGIN and LOGOUT included), as the reviewers' ops/s figure counts them.</summary>
    public int Operations => Totals.Values.Sum();

    public string Describe() => string.Join(", ", Totals.Select(kv => $"{kv.Key} {kv.Value}"));
}
