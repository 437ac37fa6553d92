using Serverless.Protocols.Smtp;

namespace Serverless.Fuzz.Targets;

/// <summary>
/// The DATA decoder (dot-unstuffing, end marker, bare CR/LF refusal), fed the same bytes once in
/// large slices and once in small ones: an incremental parser must reach the same result however
/// the network splits its input. The first byte picks the small slice size.
/// </summary>
public sealed class SmtpDataTarget : FuzzTarget
{
    public override string Name => "smtp-data";

    public override IReadOnlyList<byte[]> Seeds { get; } =
    [
        B("\x05Subject: hi\r\n\r\nbody\r\n..leading dot\r\n.\r\n"),
        B("\x01From: a@b\r\n\r\n.\r\n"),
        B("\x07line\r\n.\r\nafter the end\r\n"),
        B("\x03bare\nline feed\r\n.\r\n"),
        B("\x02bare\rreturn\r\n.\r\n"),
    ];

    public override IReadOnlyList<byte[]> Dictionary { get; } = [B("\r\n.\r\n"), B("\r\n..\r\n"), B("\n.\n"), B("\r\n."), B("\r"), B("\n"), B(".")];

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length == 0)
        {
            return;
        }
        var slice = 1 + (input[0] % 17);
        var body = input[1..];
        var whole = Decode(body, 64 * 1024);
        var pieces = Decode(body, slice);
        Check(whole.Status == pieces.Status, $"status depends on slicing: {whole.Status} vs {pieces.Status} (slice {slice})");
        Check(whole.Output.AsSpan().SequenceEqual(pieces.Output), $"output depends on slicing (slice {slice})");
        Check(whole.Consumed == pieces.Consumed, "consumed length depends on slicing");
        Check(whole.Output.Length <= whole.Consumed, "unstuffing never grows the data");
    }

    private static (DataDecodeStatus Status, byte[] Output, int Consumed) Decode(ReadOnlySpan<byte> input, int slice)
    {
        var decoder = new SmtpDataDecoder(1000);
        var output = new List<byte>();
        var buffer = new byte[slice + 2];
        var offset = 0;
        var status = DataDecodeStatus.NeedMoreData;
        while (offset < input.Length && status == DataDecodeStatus.NeedMoreData)
        {
            var take = Math.Min(slice, input.Length - offset);
            status = decoder.Decode(input.Slice(offset, take), buffer, out var consumed, out var written);
            Check(consumed >= 0 && consumed <= take, "consumed within the offered bytes");
            Check(written >= 0 && written <= buffer.Length, "written within the output buffer");
            Check(consumed > 0 || status != DataDecodeStatus.NeedMoreData || take == 0, "progress on every call that needs more data");
            output.AddRange(buffer.AsSpan(0, written));
            offset += consumed;
        }
        return (status, output.ToArray(), offset);
    }
}
