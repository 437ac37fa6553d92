using System.Text;
using BenchmarkDotNet.Attributes;
using Serverless.Protocols.Smtp;

namespace Serverless.Bench.Micro;

/// <summary>
/// The DATA decoder (dot-unstuffing, end-of-data and bare CR/LF detection) over a message of
/// 10 KiB and of 1 MiB, fed in the 16 KiB segments a socket read typically yields.
/// </summary>
[MemoryDiagnoser]
public class DotUnstuffingBenchmarks
{
    private byte[] _data = [];
    private readonly byte[] _output = new byte[16 * 1024 + 2];

    [Params(10 * 1024, 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var sb = new StringBuilder("Subject: benchmark\r\n\r\n");
        var i = 0;
        while (sb.Length < Size)
        {
            // Every 10th line starts with a dot, stuffed as the client must send it.
            sb.Append(i++ % 10 == 0 ? "..a line that starts with a dot" : "The quick brown fox jumps over the lazy dog; filler text of a benchmark").Append("\r\n");
        }
        sb.Append(".\r\n");
        _data = Encoding.ASCII.GetBytes(sb.ToString());
    }

    [Benchmark]
    public long Decode()
    {
        var decoder = new SmtpDataDecoder(998);
        var input = _data.AsSpan();
        while (true)
        {
            var chunk = input[..Math.Min(16 * 1024, input.Length)];
            var status = decoder.Decode(chunk, _output, out var consumed, out _);
            input = input[consumed..];
            if (status == DataDecodeStatus.Complete)
            {
                return decoder.DecodedLength;
            }
            if (status != DataDecodeStatus.NeedMoreData || input.IsEmpty)
            {
                throw new InvalidOperationException(status.ToString());
            }
        }
    }
}
