using System.Text;
using Xunit;

namespace Serverless.Listeners.Tests.Pop3;

/// <summary>Byte-exact transcripts for what a library client would hide: stuffing, pipelining, error replies.</summary>
public sealed class Pop3TranscriptTests
{
    private const string DottedBody = ".hidden line\r\n..two dots\r\n.\r\nnot.at start\r\n.";

    [Fact]
    public async Task RETR_byte_stuffs_body_lines_that_start_with_a_dot_and_LIST_counts_the_unstuffed_octets()
    {
        await using var bed = await Pop3TestBed.StartAsync();
        var raw = Pop3TestBed.Message("dots", DottedBody + "\r\n");
        await bed.DeliverAsync(raw);
        await using var pop = await bed.RawAsync();
        Assert.StartsWith("+OK", await pop.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password), StringComparison.Ordinal);

        var size = Encoding.UTF8.GetByteCount(raw);
        Assert.Equal($"+OK 1 {size}", await pop.CommandAsync("LIST 1"));
        Assert.Equal($"+OK {size} octets", await pop.CommandAsync("RETR 1"));
        var sent = Encoding.UTF8.GetString(await pop.MultiLineAsync());
        Assert.EndsWith("\r\n\r\n..hidden line\r\n...two dots\r\n..\r\nnot.at start\r\n..\r\n", sent, StringComparison.Ordinal);
        var unstuffed = string.Join("\r\n", sent.Split("\r\n").Select(l => l.StartsWith('.') ? l[1..] : l));
        Assert.Equal(raw, unstuffed);
        Assert.Equal(size, Encoding.UTF8.GetByteCount(unstuffed));
        Assert.StartsWith("+OK", await pop.CommandAsync("QUIT"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TOP_sends_the_header_the_blank_line_and_n_stuffed_body_lines()
    {
        await using var bed = await Pop3TestBed.StartAsync();
        var raw = Pop3TestBed.Message("top", "first\r\n.second\r\nthird\r\nfourth\r\n");
        await bed.DeliverAsync(raw);
        await using var pop = await bed.RawAsync();
        await pop.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password);
        var header = raw[..(raw.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)];

        Assert.StartsWith("+OK", await pop.CommandAsync("TOP 1 2"), StringComparison.Ordinal);
        Assert.Equal(header + "first\r\n..second\r\n", Encoding.UTF8.GetString(await pop.MultiLineAsync()));
        Assert.StartsWith("+OK", await pop.CommandAsync("TOP 1 0"), StringComparison.Ordinal);
        Assert.Equal(header, Encoding.UTF8.GetString(await pop.MultiLineAsync()));
        Assert.StartsWith("+OK", await pop.CommandAsync("TOP 1 100"), StringComparison.Ordinal);
        Assert.Equal(raw.Replace("\r\n.", "\r\n..", StringComparison.Ordinal), Encoding.UTF8.GetString(await pop.MultiLineAsync()));
        Assert.StartsWith("-ERR", await pop.CommandAsync("TOP 2 1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pipelined_commands_sent_in_one_packet_are_answered_in_order()
    {
        await using var bed = await Pop3TestBed.StartAsync();
        var raw1 = Pop3TestBed.Message("p1", ".x\r\n");
        var raw2 = Pop3TestBed.Message("p2");
        await bed.DeliverAsync(raw1);
        await bed.DeliverAsync(raw2);
        await using var pop = await bed.RawAsync();
        await pop.SendAsync($"USER {Pop3TestBed.Address}\r\nPASS {Pop3TestBed.Password}\r\nSTAT\r\nRETR 2\r\nRETR 1\r\nBOGUS\r\nDELE 1\r\nLIST 1\r\nRETR 1\r\nRSET\r\nLIST\r\nTOP 2 0\r\nUIDL 2\r\nQUIT\r\n");

        Assert.StartsWith("+OK", await pop.LineAsync(), StringComparison.Ordinal);
        Assert.StartsWith("+OK", await pop.LineAsync(), StringComparison.Ordinal);
        Assert.Equal($"+OK 2 {raw1.Length + raw2.Length}", await pop.LineAsync());
        Assert.Equal($"+OK {raw2.Length} octets", await pop.LineAsync());
        Assert.Equal(raw2, Encoding.UTF8.GetString(await pop.MultiLineAsync()));
        Assert.Equal($"+OK {raw1.Length} octets", await pop.LineAsync());
        Assert.Equal(raw1.Replace("\r\n.x", "\r\n..x", StringComparison.Ordinal), Encoding.UTF8.GetString(await pop.MultiLineAsync()));
        Assert.Equal("-ERR Unknown command", await pop.LineAsync());
        Assert.Equal("+OK Message 1 deleted", await pop.LineAsync());
        Assert.Equal("-ERR Message 1 is already deleted", await pop.LineAsync());
        Assert.Equal("-ERR Message 1 is already deleted", await pop.LineAsync());
        Assert.StartsWith("+OK 2 messages", await pop.LineAsync(), StringComparison.Ordinal);
        Assert.StartsWith("+OK 2 messages", await pop.LineAsync(), StringComparison.Ordinal);
        Assert.Equal([$"1 {raw1.Length}", $"2 {raw2.Length}"], await pop.ListingAsync());
        Assert.StartsWith("+OK", await pop.LineAsync(), StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", Encoding.UTF8.GetString(await pop.MultiLineAsync()), StringComparison.Ordinal);
        Assert.Matches("^\\+OK 2 [0-9A-F]{16}$", await pop.LineAsync());
        Assert.StartsWith("+OK", await pop.LineAsync(), StringComparison.Ordinal);
        Assert.True(await pop.ClosedByServerAsync());
        Assert.Equal(2, (await bed.InboxAsync()).Count); // RSET undid the DELE
    }

    [Fact]
    public async Task Bad_commands_get_precise_ERR_replies_and_the_session_goes_on()
    {
        await using var bed = await Pop3TestBed.StartAsync();
        await bed.DeliverAsync(Pop3TestBed.Message("only"));
        await using var pop = await bed.RawAsync();
        Assert.StartsWith("+OK mail.test POP3", pop.Greeting, StringComparison.Ordinal);
        Assert.DoesNotContain("<", pop.Greeting, StringComparison.Ordinal); // no APOP timestamp

        Assert.Equal("-ERR STAT is only valid after login", await pop.CommandAsync("STAT"));
        Assert.Equal("-ERR RETR is only valid after login", await pop.CommandAsync("RETR 1"));
        Assert.Equal("-ERR NOOP is only valid after login", await pop.CommandAsync("NOOP"));
        Assert.Equal("-ERR Send USER first", await pop.CommandAsync("PASS whatever"));
        Assert.StartsWith("-ERR [AUTH] APOP is not supported", await pop.CommandAsync("APOP user@pop.test 0123456789abcdef"), StringComparison.Ordinal);
        Assert.Equal("-ERR USER needs exactly one argument: the mailbox address", await pop.CommandAsync("USER"));
        Assert.Equal("-ERR Unknown command", await pop.CommandAsync("XYZZY"));
        Assert.StartsWith("+OK", await pop.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password), StringComparison.Ordinal);

        Assert.Equal("-ERR USER is only valid before login", await pop.CommandAsync("USER x@pop.test"));
        Assert.Equal("-ERR STLS is only valid before login", await pop.CommandAsync("STLS"));
        Assert.Equal("-ERR No message 2", await pop.CommandAsync("RETR 2"));
        Assert.Equal("-ERR Invalid message number", await pop.CommandAsync("RETR one"));
        Assert.Equal("-ERR A message number is required", await pop.CommandAsync("DELE"));
        Assert.Equal("-ERR This command takes no arguments", await pop.CommandAsync("STAT 1"));
        Assert.Equal("-ERR Invalid number of lines", await pop.CommandAsync("TOP 1 x"));
        Assert.Equal("+OK Message 1 deleted", await pop.CommandAsync("DELE 1"));
        Assert.Equal("-ERR Message 1 is already deleted", await pop.CommandAsync("DELE 1"));
        Assert.Equal("-ERR Message 1 is already deleted", await pop.CommandAsync("RETR 1"));
        Assert.Equal("-ERR Message 1 is already deleted", await pop.CommandAsync("UIDL 1"));
        Assert.Equal("+OK 0 0", await pop.CommandAsync("STAT"));
        Assert.Equal("+OK", await pop.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task Overlong_lines_and_too_many_bad_commands_close_the_connection()
    {
        await using var bed = await Pop3TestBed.StartAsync();
        await using (var pop = await bed.RawAsync())
        {
            Assert.Equal("-ERR Line too long", await pop.CommandAsync("USER " + new string('a', 600)));
            Assert.True(await pop.ClosedByServerAsync());
        }
        await using (var pop = await bed.RawAsync())
        {
            await pop.SendAsync(new string('x', 100_000)); // no line end at all
            Assert.Equal("-ERR Line too long", await pop.LineAsync());
            Assert.True(await pop.ClosedByServerAsync());
        }
        await using (var pop = await bed.RawAsync())
        {
            for (var i = 1; i < 20; i++)
            {
                Assert.Equal("-ERR Unknown command", await pop.CommandAsync("JUNK"));
            }
            Assert.Equal("-ERR Unknown command; too many bad commands, closing", await pop.CommandAsync("JUNK"));
            Assert.True(await pop.ClosedByServerAsync());
        }
    }

    [Fact]
    public async Task Wrong_passwords_are_AUTH_errors_close_after_three_and_are_then_throttled()
    {
        await using var bed = await Pop3TestBed.StartAsync();
        await using (var pop = await bed.RawAsync())
        {
            Assert.Equal("-ERR [AUTH] Invalid login or password", await pop.LoginAsync(Pop3TestBed.Address, "wrong 1"));
            Assert.Equal("-ERR [AUTH] Invalid login or password", await pop.LoginAsync(Pop3TestBed.Address, "wrong 2"));
            Assert.Equal("-ERR [AUTH] Invalid login or password", await pop.LoginAsync(Pop3TestBed.Address, "wrong 3"));
            Assert.True(await pop.ClosedByServerAsync());
        }
        await using (var pop = await bed.RawAsync())
        {
            Assert.Equal("-ERR [AUTH] Invalid login or password", await pop.LoginAsync(Pop3TestBed.Address, "wrong 4"));
            Assert.Equal("-ERR [AUTH] Invalid login or password", await pop.LoginAsync(Pop3TestBed.Address, "wrong 5"));
            // Five failures for the account within the window: even the right password waits now.
            Assert.Equal("-ERR [SYS/TEMP] Too many failed logins, try again later", await pop.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password));
        }
    }

    [Fact]
    public async Task AUTH_PLAIN_works_with_an_initial_response_or_a_continuation_and_can_be_cancelled()
    {
        await using var bed = await Pop3TestBed.StartAsync();
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{Pop3TestBed.Address}\0{Pop3TestBed.Password}"));
        await using (var pop = await bed.RawAsync())
        {
            Assert.Equal("+OK Supported mechanisms follow", await pop.CommandAsync("AUTH"));
            Assert.Equal(["PLAIN"], await pop.ListingAsync());
            Assert.Equal("-ERR Unsupported authentication mechanism", await pop.CommandAsync("AUTH CRAM-MD5"));
            Assert.Equal("+ ", await pop.CommandAsync("AUTH PLAIN"));
            Assert.Equal("-ERR Authentication cancelled", await pop.CommandAsync("*"));
            Assert.Equal("-ERR [AUTH] Malformed SASL PLAIN response", await pop.CommandAsync("AUTH PLAIN =")); // empty
            var other = Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin@pop.test\0{Pop3TestBed.Address}\0{Pop3TestBed.Password}"));
            Assert.Equal("-ERR [AUTH] Acting as another user is not allowed", await pop.CommandAsync("AUTH PLAIN " + other));
            Assert.Equal("+ ", await pop.CommandAsync("AUTH PLAIN"));
            Assert.StartsWith("+OK 0 messages", await pop.CommandAsync(plain), StringComparison.Ordinal);
            Assert.Equal("-ERR AUTH is only valid before login", await pop.CommandAsync("AUTH PLAIN " + plain));
            Assert.StartsWith("+OK", await pop.CommandAsync("QUIT"), StringComparison.Ordinal); // releases the maildrop before answering
        }
        await using (var pop = await bed.RawAsync(implicitTls: true))
        {
            Assert.StartsWith("+OK 0 messages", await pop.CommandAsync("AUTH PLAIN " + plain), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_idle_session_is_logged_out_without_expunging()
    {
        await using var bed = await Pop3TestBed.StartAsync(settings: new Dictionary<string, string?> { ["Mail:Pop3:IdleTimeout"] = "00:00:03" }); // long enough that a loaded machine still sends DELE first
        await bed.DeliverAsync(Pop3TestBed.Message("stays"));
        await using var pop = await bed.RawAsync();
        await pop.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password);
        Assert.Equal("+OK Message 1 deleted", await pop.CommandAsync("DELE 1"));
        Assert.Equal("-ERR Autologout: idle for too long", await pop.LineAsync());
        Assert.True(await pop.ClosedByServerAsync());
        Assert.Single(await bed.InboxAsync());
    }
}
