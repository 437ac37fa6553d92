using System.Buffers;
using Serverless.Mail.Delivery;
using Serverless.Protocols.Smtp;

namespace Serverless.Listeners.Smtp;

public enum DataOutcome
{
    Complete,
    BareLineEnding,
    ConnectionLost,
}

/// <summary>What reading a DATA body found.</summary>
public readonly record struct DataReadResult(DataOutcome Outcome, bool TooBig, bool LineTooLong);

public sealed partial class SmtpSession
{
    private const int DecodeSlice = 64 * 1024;

    /// <summary>
    /// Streams a DATA body into <paramref name="sink"/> (dot-unstuffed) until CRLF.CRLF. Past the size
    /// limit the rest is read and dropped so the session stays in step with the client. Memory is one
    /// 64 KiB scratch buffer plus what the sink keeps, whatever the message size.
    /// </summary>
    public async ValueTask<DataReadResult> ReadDataAsync(IncomingMessage sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var decoder = new SmtpDataDecoder(Options.MaxDataLine);
        var scratch = ArrayPool<byte>.Shared.Rent(DecodeSlice + 2);
        var tooBig = false;
        try
        {
            var input = Transport.Input;
            while (true)
            {
                _idle.CancelAfter(Listener.IdleTimeout);
                var result = await input.ReadAsync(Aborted);
                var buffer = result.Buffer;
                long consumedTotal = 0;
                var status = DataDecodeStatus.NeedMoreData;
                foreach (var segment in buffer)
                {
                    var offset = 0;
                    while (offset < segment.Length && status == DataDecodeStatus.NeedMoreData)
                    {
                        var length = Math.Min(segment.Length - offset, DecodeSlice);
                        status = Decode(decoder, segment.Slice(offset, length), scratch, out var consumed, out var written);
                        offset += consumed;
                        consumedTotal += consumed;
                        tooBig |= decoder.DecodedLength > Options.MaxMessageSize;
                        if (written > 0 && !tooBig)
                        {
                            await sink.WriteAsync(scratch.AsMemory(0, written), Aborted);
                        }
                    }
                    if (status != DataDecodeStatus.NeedMoreData)
                    {
                        break;
                    }
                }
                input.AdvanceTo(buffer.GetPosition(consumedTotal));
                switch (status)
                {
                    case DataDecodeStatus.Complete:
                        return new DataReadResult(DataOutcome.Complete, tooBig, decoder.LineTooLong);
                    case DataDecodeStatus.BareLineEnding:
                        return new DataReadResult(DataOutcome.BareLineEnding, tooBig, decoder.LineTooLong);
                }
                if (result.IsCompleted || result.IsCanceled)
                {
                    return new DataReadResult(DataOutcome.ConnectionLost, tooBig, decoder.LineTooLong);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static DataDecodeStatus Decode(SmtpDataDecoder decoder, ReadOnlyMemory<byte> input, byte[] output, out int consumed, out int written) =>
        decoder.Decode(input.Span, output, out consumed, out written);

    /// <summary>
    /// Reads exactly <paramref name="size"/> octets of a BDAT chunk into <paramref name="sink"/> (or
    /// drops them when null). With <paramref name="lineEndings"/>, octets stop going to the sink once a
    /// bare CR or LF is seen (the chunk is still read to its end). False if the client went away.
    /// </summary>
    public async ValueTask<bool> ReadChunkAsync(long size, IncomingMessage? sink, BareLineEndingCheck? lineEndings = null)
    {
        var reader = new BdatChunkReader(size);
        var input = Transport.Input;
        while (!reader.IsComplete)
        {
            _idle.CancelAfter(Listener.IdleTimeout);
            var result = await input.ReadAsync(Aborted);
            var slice = reader.Take(result.Buffer);
            if (sink is not null)
            {
                foreach (var segment in slice)
                {
                    if (lineEndings is not null && !lineEndings.Scan(segment.Span))
                    {
                        sink = null;
                        break;
                    }
                    await sink.WriteAsync(segment, Aborted);
                }
            }
            input.AdvanceTo(slice.End);
            if (!reader.IsComplete && (result.IsCompleted || result.IsCanceled))
            {
                return false;
            }
        }
        return true;
    }
}
