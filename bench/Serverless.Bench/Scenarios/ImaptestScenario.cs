using Serverless.Bench.Clients;
using Serverless.Bench.Stack;

namespace Serverless.Bench.Scenarios;

/// <summary>
/// Dovecot's imaptest in stress mode, as the reviewers ran it (issue 16): <see cref="BenchOptions.ImaptestClients"/>
/// clients on one account over IMAPS (implicit TLS), so they share its INBOX, for
/// <see cref="BenchOptions.ImaptestSeconds"/>, against ours and — with --compare-peers — against
/// the peer. ops/s is every command imaptest counted over its wall time; ours also gets storage
/// requests per operation by kind from the host's <see cref="Serverless.Mail.Storage.StorageRequestMeter"/>.
/// </summary>
internal static class ImaptestScenario
{
    private const string Name = "imaptest stress";

    public static async Task RunAsync(BenchStack stack, BenchOptions o, Report report, int run)
    {
        var label = $"{Name}, {o.ImaptestClients} clients on one shared INBOX, IMAPS";
        var binary = Imaptest.Locate(o.ImaptestPath);
        if (binary is null)
        {
            report.NotMeasured(label, "ops/s", null, "imaptest not found (--imaptest PATH or $IMAPTEST; bench/README.md says how to build it)");
            return;
        }
        var mbox = o.ImaptestMbox ?? Imaptest.WriteMbox(Path.Combine(Path.GetTempPath(), $"serverless-bench-{Environment.ProcessId}.mbox"), 100, o.MessageSize);
        var user = (await stack.CreateMailboxAsync($"imaptest{run}")).Address;
        var extra = o.ImaptestArgs.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Console.WriteLine($"  {binary} clients={o.ImaptestClients} secs={o.ImaptestSeconds} mbox={mbox} {o.ImaptestArgs}");

        Console.WriteLine($"  -- ours (load average {BenchRun.LoadAverage()})");
        var w = new StorageWindow(stack.Meter);
        var cpu = new CpuWindow();
        var ours = await Imaptest.RunAsync(binary, "127.0.0.1", stack.Port("Imaps"), user, BenchStack.Password, o.ImaptestClients, o.ImaptestSeconds, mbox, extra);
        var delta = w.DeltaWithoutQueuePolls();
        var all = w.Total;
        Record(report, label, ours, isPeer: false, o, cpu.Describe());
        report.Detail($"imaptest on ours: {(double)delta.Values.Sum() / Math.Max(1, ours.Operations):0.000} storage requests per operation " +
            $"({StorageWindow.Describe(delta, stack.Prefix, Math.Max(1, ours.Operations))} per op); " +
            $"{(double)all / Math.Max(1, ours.Operations):0.000} with the dev host's queue polls; {cpu.AzuriteCostPer(ours.Operations)}");
        foreach (var line in w.DescribeByActivity(stack.Prefix))
        {
            report.Detail("  by command: " + line);
        }

        if (!o.ComparePeers)
        {
            return;
        }
        var peer = o.Peer();
        // user1 takes the SMTP figure, user2… the shared IMAP mailboxes, then POP3 (PeerComparison); imaptest the next.
        var peerUser = peer.Users[Math.Min(o.CompareImapMailboxes + 2, peer.Users.Count - 1)];
        Console.WriteLine($"  -- {peer.Name} {peerUser} (load average {BenchRun.LoadAverage()})");
        var peerCpu = new PeerCpuWindow();
        cpu = new CpuWindow();
        var theirs = await Imaptest.RunAsync(binary, o.PeerHost, o.PeerImapsPort, peerUser, o.PeerPassword, o.ImaptestClients, o.ImaptestSeconds, mbox, extra);
        Record(report, label, theirs, isPeer: true, o, cpu.Describe() + peerCpu.Describe());
    }

    private static void Record(Report report, string label, ImaptestResult result, bool isPeer, BenchOptions o, string cpu)
    {
        var side = isPeer ? o.PeerName : "ours";
        var rate = result.Operations / result.Seconds;
        if (o.ComparePeers)
        {
            report.Compare(label, "ops/s", isPeer, rate);
        }
        else
        {
            report.Add(label, rate, "ops/s");
        }
        report.Detail($"imaptest on {side}: {result.Operations} commands in {result.Seconds:0.0} s ({result.Describe()}); {cpu}");
        // imaptest checks every answer against the state it tracks; what it found wrong is worth seeing, not fatal.
        if (result.Errors.Count > 0 || result.ExitCode != 0)
        {
            report.Detail($"imaptest on {side}: exit {result.ExitCode}, {result.Errors.Count} error lines; first: " +
                string.Join(" | ", result.Errors.Take(3).Select(e => e.Length > 200 ? e[..200] + "…" : e)));
            foreach (var e in result.Errors.Take(40))
            {
                Console.WriteLine("      " + e);
            }
        }
    }
}
