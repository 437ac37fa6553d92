using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Listeners.Connections;
using Serverless.Listeners.Hosting;
using Xunit;

namespace Serverless.Listeners.Tests.Connections;

/// <summary>
/// The STARTTLS switch over in-memory pipes, so the order of events is under the test's control:
/// bytes pipelined after the command are dropped, while a ClientHello sent the instant the client
/// reads the "ready" reply is kept (dropping it left both ends waiting for 30 s, seen under load).
/// </summary>
public sealed class MailTransportTlsTests
{
    [Fact]
    public async Task A_client_hello_sent_right_after_the_ready_reply_is_not_discarded_but_pipelined_plaintext_is()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var connection = new DefaultConnectionContext("c1", new Duplex(toServer.Reader, toClient.Writer), new Duplex(toClient.Reader, toServer.Writer));
        connection.Features.Set(new MailEndpoint(MailProtocol.Smtp, "submission", 587, TlsMode.StartTls, IsSubmission: true));
        var certificates = new TlsCertificateProvider(
            new TlsOptions { DevelopmentCertificatePath = Path.Combine(Path.GetTempPath(), $"transport-{Guid.NewGuid():N}.pfx") },
            new ListenerOptions(),
            NullLogger<TlsCertificateProvider>.Instance);
        var transport = new MailTransport(connection, certificates);

        // The client pipelines a command after STARTTLS: it must never be read as a command.
        await toServer.Writer.WriteAsync(Encoding.ASCII.GetBytes("RSET\r\n"));

        var clientWrote = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clientStream = new ClientStream(toClient.Reader, toServer.Writer, clientWrote);
        await using var client = new SslStream(clientStream, false, (_, _, _, _) => true);
        Task? clientHandshake = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        await transport.UpgradeToTlsAsync(async ct =>
        {
            await transport.Output.WriteAsync(Encoding.ASCII.GetBytes("220 2.0.0 Ready to start TLS\r\n"), ct);
            await transport.Output.FlushAsync(ct);
            // The quickest possible client: its ClientHello is in the server's input before the
            // reply callback even returns.
            var ready = await ReadLineAsync(toClient.Reader);
            Assert.Equal("220 2.0.0 Ready to start TLS", ready);
            clientHandshake = client.AuthenticateAsClientAsync("localhost");
            await clientWrote.Task.WaitAsync(timeout.Token);
        }, timeout.Token);
        await clientHandshake!.WaitAsync(timeout.Token);

        Assert.True(transport.IsTls);
        await client.WriteAsync(Encoding.ASCII.GetBytes("EHLO again\r\n"), timeout.Token);
        await client.FlushAsync(timeout.Token);
        var first = await ReadLineAsync(transport.Input).WaitAsync(timeout.Token);
        Assert.Equal("EHLO again", first);
        await transport.DisposeAsync();
    }

    private static async Task<string> ReadLineAsync(PipeReader reader)
    {
        while (true)
        {
            var result = await reader.ReadAsync();
            var buffer = result.Buffer;
            var end = buffer.PositionOf((byte)'\n');
            if (end is { } position)
            {
                var line = Encoding.ASCII.GetString(buffer.Slice(0, position).ToArray()).TrimEnd('\r');
                reader.AdvanceTo(buffer.GetPosition(1, position));
                return line;
            }
            Assert.False(result.IsCompleted, "the pipe ended before a line");
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    /// <summary>The client's end of the connection; signals when it first writes (its ClientHello).</summary>
    private sealed class ClientStream(PipeReader input, PipeWriter output, TaskCompletionSource wrote) : Stream
    {
        private readonly Stream _read = input.AsStream();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _read.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _read.ReadAsync(buffer, offset, count, cancellationToken);

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await output.WriteAsync(buffer, cancellationToken);
            wrote.TrySetResult();
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
