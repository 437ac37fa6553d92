using System.Globalization;

namespace Serverless.Bench;

/// <summary>What to run and how big. Every figure's load is configurable; defaults fit the 5-minute budget on 2 cores.</summary>
internal sealed class BenchOptions
{
    public static readonly string[] AllPhases = ["azurite", "smtp", "smtp-slowdns", "inbound-cost", "imap-cost", "imap-mixed", "pop3", "select", "memory", "outbound", "compare", "feed", "imaptest", "tls-floor"];

    /// <summary>Phases run when none are chosen: all but "compare", which needs the peers running, "feed", which takes minutes at one message a second, "imaptest", which needs Dovecot's imaptest, and "tls-floor", an experiment without our code.</summary>
    public static readonly string[] DefaultPhases = [.. AllPhases.Where(p => p is not ("compare" or "feed" or "imaptest" or "tls-floor"))];

    /// <summary>SMTP phase: messages sent, their size, concurrent sessions (one message per connection).</summary>
    public int Messages { get; set; } = 2000;

    public int MessageSize { get; set; } = 10 * 1024;

    /// <summary>SMTP phases: bodies of varied words that compress like prose (<c>--words</c>), instead of one repeated line.</summary>
    public bool WordBodies { get; set; }

    public int Concurrency { get; set; } = 4;

    /// <summary>Messages for the "under load" storage-cost figure (sent over <see cref="Concurrency"/> sessions).</summary>
    public int CostMessages { get; set; } = 200;

    public int ImapClients { get; set; } = 10;

    public TimeSpan ImapDuration { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Messages in each IMAP workload client's mailbox.</summary>
    public int ImapMailboxMessages { get; set; } = 200;

    public int Pop3Messages { get; set; } = 2000;

    public int Pop3MessageSize { get; set; } = 30 * 1024;

    /// <summary>POP3 commands kept in flight (the client pipelines, as RFC 2449 PIPELINING allows).</summary>
    public int Pop3Window { get; set; } = 16;

    /// <summary>
    /// pop3: fill the maildrop through the dev host's MX (one message per connection, <see cref="Concurrency"/>
    /// sessions, until the ingest has filed them all) instead of directly through core, so the RETRs
    /// download mail this process has just received (its MX keeps what it stored in the message cache).
    /// </summary>
    public bool Pop3ViaMx { get; set; }

    public int IdleConnections { get; set; } = 10_000;

    /// <summary>Idle connections over IMAPS (implicit TLS) instead of plaintext IMAP.</summary>
    public bool IdleTls { get; set; }

    /// <summary>Idle connections on the plaintext IMAP port upgraded with STARTTLS.</summary>
    public bool IdleStartTls { get; set; }

    /// <summary>Seconds the idle connections stay open after they are measured (time to attach dotnet-gcdump, read smaps).</summary>
    public int IdleHoldSeconds { get; set; }

    public IReadOnlyList<int> SelectSizes { get; set; } = [10_000, 100_000];

    public int OutboundMessages { get; set; } = 200;

    /// <summary>feed: messages sent one a second for the latency, idle connections (one mailbox each) and seconds counted for the cost.</summary>
    public int FeedMessages { get; set; } = 60;

    public int FeedIdle { get; set; } = 1000;

    public int FeedSeconds { get; set; } = 60;

    /// <summary>
    /// feed: whose MX the messages go to. False (the default): the listener process's, true split as
    /// in Azure and <c>MAIL_SPLIT=1 ./run.sh</c> (the MX cannot wake the ingest's queue poller).
    /// True: the dev host's, whose poller its own MX wakes (the path before issue 23's split runs).
    /// </summary>
    public bool FeedViaDevHostMx { get; set; }

    /// <summary>imaptest: the binary (else $IMAPTEST, /usr/local/bin/imaptest, /tmp/imaptest-old/src/imaptest), clients, seconds, the mbox it appends from (else one written with <see cref="MessageSize"/>), more arguments.</summary>
    public string? ImaptestPath { get; set; }

    public int ImaptestClients { get; set; } = 10;

    public int ImaptestSeconds { get; set; } = 30;

    public string? ImaptestMbox { get; set; }

    public string ImaptestArgs { get; set; } = "";

    /// <summary>--compare-peers was given: the imaptest phase runs against the peer too.</summary>
    public bool ComparePeers { get; set; }

    /// <summary>Times each figure is taken; the report shows every run and the median.</summary>
    public int Runs { get; set; } = 1;

    public HashSet<string> Phases { get; set; } = [.. DefaultPhases];

    /// <summary>smtp-slowdns: messages per half (instant resolver, then slow) and the slow resolver's delay.</summary>
    public int SlowDnsMessages { get; set; } = 400;

    public TimeSpan SlowDnsDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>compare: the peer's address, ports, accounts (<c>{n}</c> = 1, 2, …) and password; defaults are setup-peers.sh's.</summary>
    public string PeerName { get; set; } = "Postfix + Dovecot";

    public string PeerHost { get; set; } = "127.0.0.1";

    /// <summary>compare against our own stack (other accounts) instead of a peer.</summary>
    public bool PeerSelf { get; set; }

    public int PeerSmtpPort { get; set; } = 3525;

    public int PeerImapPort { get; set; } = 3143;

    public int PeerImapsPort { get; set; } = 3993;

    public int PeerPop3Port { get; set; } = 3110;

    public int PeerPop3sPort { get; set; } = 3995;

    public string PeerUsers { get; set; } = "user{n}@x.test";

    public int PeerUserCount { get; set; } = 20;

    public string PeerPassword { get; set; } = "benchpass";

    /// <summary>compare: mailboxes the IMAP clients share (client c takes mailbox c mod M).</summary>
    public int CompareImapMailboxes { get; set; } = 2;

    /// <summary>Messages each side gets (SMTP, then POP3 RETR) before the compare phase times anything.</summary>
    public int CompareWarmup { get; set; } = 2000;

    public Clients.Security CompareImapSecurity { get; set; } = Clients.Security.Implicit;

    public Clients.Security ComparePop3Security { get; set; } = Clients.Security.StartTls;

    public Clients.MailEndpoint Peer() =>
        new(PeerName, System.Net.IPAddress.Parse(PeerHost), PeerSmtpPort, PeerImapPort, PeerImapsPort, PeerPop3Port, PeerPop3sPort, PeerPassword)
        {
            Users = [.. Enumerable.Range(1, PeerUserCount).Select(n => PeerUsers.Replace("{n}", n.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))],
        };

    /// <summary>Use this storage instead of starting a private in-memory Azurite.</summary>
    public string? Storage { get; set; }

    public string? MarkdownOut { get; set; }

    /// <summary>Extra configuration for the hosted dev host (<c>--set Mail:Pop3:ReadAhead=32</c>), for experiments.</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    public static string Usage => """
        Serverless Mail benchmark: drives the local stack over real sockets and prints each figure against its target.

        options (defaults in brackets):
          --messages N            SMTP messages sent [2000]
          --size BYTES            SMTP message size [10240]
          --words                 SMTP message bodies of varied words (compress ~2:1 like prose) instead of one repeated line (~50:1)
          --concurrency N         concurrent SMTP sessions, one message per connection [4]
          --cost-messages N       messages for "transactions per inbound message under load" [200]
          --imap-clients N        IMAP mixed-workload clients [10]
          --imap-seconds S        IMAP mixed-workload duration [20]
          --imap-mailbox N        messages in each workload client's INBOX [200]
          --pop3-messages N       POP3 RETR messages [2000]
          --pop3-size BYTES       POP3 message size [30720]
          --pop3-window N         POP3 RETRs in flight in the pop3 phase (1: a serial client) [16]
          --pop3-via-mx           pop3: deliver the maildrop through the MX (mail this process just received) instead of seeding it
          --idle N                idle IMAP connections for the memory figure [10000]
          --idle-tls              make them over IMAPS (TLS) instead of plaintext IMAP
          --idle-starttls         make them over IMAP upgraded with STARTTLS
          --idle-hold S           keep them open S seconds after measuring (to inspect the listener's pid) [0]
          --select-sizes A,B      folder sizes for SELECT timing [10000,100000]
          --outbound N            outbound deliveries [200]
          --feed-messages N       feed: messages at one a second, timed 250 → EXISTS on a separate listener process [60]
          --feed-idle N           feed: idle IMAP connections on as many mailboxes whose storage requests are counted [1000]
          --feed-seconds N        feed: seconds the idle connections are counted [60]
          --feed-mx WHERE         feed: listener (the listener process's MX, split as in Azure) or devhost (the ingest's own process) [listener]
          --imaptest PATH         imaptest: Dovecot's imaptest binary [$IMAPTEST, /usr/local/bin/imaptest, /tmp/imaptest-old/src/imaptest]
          --imaptest-clients N    imaptest: clients, all on one account (a shared INBOX) [10]
          --imaptest-seconds S    imaptest: secs= [30]
          --imaptest-mbox FILE    imaptest: the mbox APPENDs come from [100 messages of --size, written to /tmp]
          --imaptest-args "A B"   imaptest: more arguments, e.g. "msgs=100 seed=1"
          --runs N                take each figure N times [1]
          --slowdns-messages N    smtp-slowdns: messages with an instant resolver, then with a slow one [400]
          --slowdns-delay-ms MS   smtp-slowdns: the slow resolver's delay per answer [100]
          --only a,b              phases: azurite,smtp,smtp-slowdns,inbound-cost,imap-cost,imap-mixed,pop3,select,memory,outbound,compare,feed,imaptest,tls-floor
                                  (all but compare, feed, imaptest and tls-floor when not given)
          --skip a,b              phases to leave out
          --compare-peers         side by side with the peers: phases compare,smtp-slowdns,imaptest (unless --only says otherwise)
          --peer-host IP          the peer's address [127.0.0.1]
          --peer-smtp/--peer-imap/--peer-imaps/--peer-pop3/--peer-pop3s PORT   [3525/3143/3993/3110/3995]
          --peer-users PATTERN    the peer's accounts, {n} = 1..count [user{n}@x.test]
          --peer-user-count N     [20]
          --peer-password P       [benchpass]
          --peer-name NAME        its column's title [Postfix + Dovecot]
          --peer-self             compare with our own stack (other accounts) instead: a sanity check, ratios near 1
          --compare-imap-mailboxes M   mailboxes the IMAP clients share [2]
          --compare-warmup N      messages sent (SMTP) and retrieved (POP3) on each side before timing [2000]
          --compare-imap MODE     implicit | starttls | plain, for every IMAP connection of compare [implicit]
          --compare-pop3 MODE     implicit | stls | plain [stls]
          --storage CONNSTR       use this storage instead of a private in-memory Azurite
          --azurite-pid PID[,PID] with --storage: that Azurite's process(es), for its CPU per operation
          --azurite-profile       SIGUSR2 to that Azurite around each measured stretch (scripts/azurite-profile.js)
          --markdown FILE         also write the figures table as Markdown
          --set KEY=VALUE         configuration for the hosted dev host, e.g. --set Mail:Pop3:ReadAhead=32
          --quick                 tiny counts (a smoke run of every phase in seconds)
        """;

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        var onlyGiven = false;
        var comparePeers = false;
        var skipped = new HashSet<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Int() => int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture);
            switch (name)
            {
                case "--messages": o.Messages = Int(); break;
                case "--size": o.MessageSize = Int(); break;
                case "--words": o.WordBodies = true; break;
                case "--concurrency": o.Concurrency = Int(); break;
                case "--cost-messages": o.CostMessages = Int(); break;
                case "--imap-clients": o.ImapClients = Int(); break;
                case "--imap-seconds": o.ImapDuration = TimeSpan.FromSeconds(Int()); break;
                case "--imap-mailbox": o.ImapMailboxMessages = Int(); break;
                case "--pop3-messages": o.Pop3Messages = Int(); break;
                case "--pop3-size": o.Pop3MessageSize = Int(); break;
                case "--pop3-window": o.Pop3Window = Math.Max(1, Int()); break;
                case "--pop3-via-mx": o.Pop3ViaMx = true; break;
                case "--idle": o.IdleConnections = Int(); break;
                case "--idle-tls": o.IdleTls = true; break;
                case "--idle-starttls": o.IdleStartTls = true; break;
                case "--idle-hold": o.IdleHoldSeconds = Int(); break;
                case "--select-sizes": o.SelectSizes = [.. Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
                case "--outbound": o.OutboundMessages = Int(); break;
                case "--feed-messages": o.FeedMessages = Math.Max(1, Int()); break;
                case "--feed-idle": o.FeedIdle = Math.Max(1, Int()); break;
                case "--feed-seconds": o.FeedSeconds = Math.Max(1, Int()); break;
                case "--feed-mx":
                    o.FeedViaDevHostMx = Next() switch
                    {
                        "listener" => false,
                        "devhost" => true,
                        var other => throw new ArgumentException($"--feed-mx: listener or devhost, not {other}"),
                    };
                    break;
                case "--imaptest": o.ImaptestPath = Next(); break;
                case "--imaptest-clients": o.ImaptestClients = Math.Max(1, Int()); break;
                case "--imaptest-seconds": o.ImaptestSeconds = Math.Max(1, Int()); break;
                case "--imaptest-mbox": o.ImaptestMbox = Next(); break;
                case "--imaptest-args": o.ImaptestArgs = Next(); break;
                case "--runs": o.Runs = Math.Max(1, Int()); break;
                case "--only": o.Phases = [.. PhaseList(Next())]; onlyGiven = true; break;
                case "--slowdns-messages": o.SlowDnsMessages = Int(); break;
                case "--slowdns-delay-ms": o.SlowDnsDelay = TimeSpan.FromMilliseconds(Int()); break;
                case "--compare-peers": comparePeers = true; o.ComparePeers = true; break;
                case "--peer-host": o.PeerHost = Next(); break;
                case "--peer-self": o.PeerSelf = true; o.PeerName = "ours again"; break;
                case "--peer-smtp": o.PeerSmtpPort = Int(); break;
                case "--peer-imap": o.PeerImapPort = Int(); break;
                case "--peer-imaps": o.PeerImapsPort = Int(); break;
                case "--peer-pop3": o.PeerPop3Port = Int(); break;
                case "--peer-pop3s": o.PeerPop3sPort = Int(); break;
                case "--peer-users": o.PeerUsers = Next(); break;
                case "--peer-user-count": o.PeerUserCount = Int(); break;
                case "--peer-password": o.PeerPassword = Next(); break;
                case "--peer-name": o.PeerName = Next(); break;
                case "--compare-imap-mailboxes": o.CompareImapMailboxes = Math.Max(1, Int()); break;
                case "--compare-warmup": o.CompareWarmup = Math.Max(1, Int()); break;
                case "--compare-imap": o.CompareImapSecurity = Clients.SecurityNames.Parse(Next()); break;
                case "--compare-pop3": o.ComparePop3Security = Clients.SecurityNames.Parse(Next()); break;
                case "--skip": skipped.UnionWith(PhaseList(Next())); break;
                case "--storage": o.Storage = Next(); break;
                case "--azurite-pid":
                    AzuriteCpu.Processes = [.. Next().Split(',').Select(pid => ("azurite", int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture)))];
                    break;
                case "--azurite-profile": CpuWindow.SignalAzurite = true; break;
                case "--markdown": o.MarkdownOut = Next(); break;
                case "--set":
                    var kv = Next().Split('=', 2);
                    o.Settings[kv[0]] = kv.Length > 1 ? kv[1] : null;
                    break;
                case "--quick":
                    o.Messages = 40; o.CostMessages = 20; o.ImapDuration = TimeSpan.FromSeconds(2); o.ImapMailboxMessages = 20; o.ImapClients = 3;
                    o.Pop3Messages = 40; o.IdleConnections = 50; o.SelectSizes = [300, 1000]; o.OutboundMessages = 10; o.SlowDnsMessages = 12;
                    o.FeedMessages = 3; o.FeedIdle = 20; o.FeedSeconds = 3; o.ImaptestSeconds = 3; o.CompareWarmup = 8;
                    break;
                case "--help" or "-h": throw new HelpRequested();
                default: throw new ArgumentException($"unknown option {name}");
            }
        }
        if (comparePeers && !onlyGiven)
        {
            o.Phases = ["compare", "smtp-slowdns", "imaptest"];
        }
        o.Phases.ExceptWith(skipped);
        return o;
    }

    private static IEnumerable<string> PhaseList(string list)
    {
        foreach (var p in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!AllPhases.Contains(p))
            {
                throw new ArgumentException($"unknown phase {p}");
            }
            yield return p;
        }
    }

    public bool Has(string phase) => Phases.Contains(phase);
}

internal sealed class HelpRequested : Exception;
