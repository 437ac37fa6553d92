using System.Globalization;

namespace Serverless.Bench;

/// <summary>
/// CPU time of the peers' processes (Postfix and Dovecot, found by command name in /proc): every
/// live one's own time plus, for their masters, the time of children they already reaped, so the
/// short-lived smtpd/lmtp/imap processes count too. Zero when the peers do not run here.
/// </summary>
internal static class PeerCpu
{
    private static readonly HashSet<string> Names =
    [
        "master", "smtpd", "cleanup", "qmgr", "trivial-rewrite", "lmtp", "pickup", "anvil", "tlsmgr", "proxymap", "bounce",
        "dovecot", "imap", "imap-login", "pop3", "pop3-login", "auth", "config", "log", "stats", "indexer", "indexer-worker", "dict",
    ];

    private static readonly HashSet<string> Masters = ["master", "dovecot"];

    public static double Seconds()
    {
        double total = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var open = stat.IndexOf('(', StringComparison.Ordinal);
                var close = stat.LastIndexOf(')');
                var name = stat[(open + 1)..close];
                if (!Names.Contains(name))
                {
                    continue;
                }
                var f = stat[(close + 2)..].Split(' ');
                long T(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
                // f[11] utime, f[12] stime, f[13] cutime, f[14] cstime (stat(5) fields 14-17)
                total += (T(11) + T(12) + (Masters.Contains(name) ? T(13) + T(14) : 0)) / 100.0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // the process ended meanwhile
            }
        }
        return total;
    }
}
