namespace Serverless.Fuzz;

/// <summary>libFuzzer's kinds of mutation: bit flips, interesting values, inserted/erased/copied ranges, dictionary tokens, splicing two inputs.</summary>
internal sealed class Mutator(Random random, IReadOnlyList<byte[]> dictionary, int maxLength)
{
    private static readonly byte[] Interesting = [0, 1, 0x7F, 0x80, 0xFF, (byte)'\r', (byte)'\n', (byte)' ', (byte)'.', (byte)'"', (byte)'{', (byte)'}', (byte)'\\', (byte)'0', (byte)'9'];

    public byte[] Mutate(byte[] input, IReadOnlyList<byte[]> corpus)
    {
        var data = new List<byte>(input);
        var rounds = 1 + random.Next(4);
        for (var r = 0; r < rounds; r++)
        {
            switch (random.Next(9))
            {
                case 0 when data.Count > 0:
                    var bit = random.Next(data.Count);
                    data[bit] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[random.Next(data.Count)] = Interesting[random.Next(Interesting.Length)];
                    break;
                case 2 when data.Count > 0:
                    data[random.Next(data.Count)] = (byte)random.Next(256);
                    break;
                case 3:
                    var bytes = new byte[1 + random.Next(8)];
                    random.NextBytes(bytes);
                    data.InsertRange(random.Next(data.Count + 1), bytes);
                    break;
                case 4 when data.Count > 1:
                    var start = random.Next(data.Count);
                    data.RemoveRange(start, Math.Min(data.Count - start, 1 + random.Next(16)));
                    break;
                case 5 when data.Count > 1:
                    // copy a range elsewhere (repetition: nesting, long lines, many headers)
                    var from = random.Next(data.Count);
                    var length = Math.Min(data.Count - from, 1 + random.Next(64));
                    var chunk = data.GetRange(from, length);
                    var times = random.Next(8) == 0 ? 1 + random.Next(32) : 1;
                    for (var t = 0; t < times; t++)
                    {
                        data.InsertRange(random.Next(data.Count + 1), chunk);
                    }
                    break;
                case 6 when dictionary.Count > 0:
                    data.InsertRange(random.Next(data.Count + 1), dictionary[random.Next(dictionary.Count)]);
                    break;
                case 7 when dictionary.Count > 0 && data.Count > 0:
                    var token = dictionary[random.Next(dictionary.Count)];
                    var at = random.Next(data.Count);
                    for (var i = 0; i < token.Length && at + i < data.Count; i++)
                    {
                        data[at + i] = token[i];
                    }
                    break;
                case 8 when corpus.Count > 1:
                    var other = corpus[random.Next(corpus.Count)];
                    var cut = random.Next(data.Count + 1);
                    var otherCut = random.Next(other.Length + 1);
                    data.RemoveRange(cut, data.Count - cut);
                    data.AddRange(other.AsSpan(otherCut).ToArray());
                    break;
                default:
                    if (data.Count > 0)
                    {
                        data[random.Next(data.Count)] = (byte)random.Next(32, 127);
                    }
                    break;
            }
        }
        if (data.Count > maxLength)
        {
            data.RemoveRange(maxLength, data.Count - maxLength);
        }
        return [.. data];
    }
}
