using System.Buffers;
using Serverless.Listeners.Caching;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Model;
using Serverless.Mail.Storage;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap;

/// <summary>
/// Writes FETCH responses (RFC 3501 6.4.5, 7.4.2). FLAGS, UID and MODSEQ come from the session's
/// view; INTERNALDATE, RFC822.SIZE, ENVELOPE, BODY, BODYSTRUCTURE and header fields from the
/// unchanging parts of the index rows (<see cref="MessageRows"/>: the process's cache, else one
/// query per cluster of messages); section bytes from the whole message when it is small enough to
/// keep in the cache (read once), else by ranged blob reads at the summary's MIME offsets. Large
/// sections are streamed, never buffered.
/// Everything a message needs from storage is gathered before its response starts, so a storage
/// failure is answered with NO instead of a broken response.
/// </summary>
internal sealed class MessageFetcher
{
    private const int BufferUpTo = 256 * 1024;
    private const int MaxHeaderToFilter = 1024 * 1024;

    private readonly ImapSession _session;
    private readonly SelectedFolder _selected;
    private readonly IReadOnlyList<FetchItem> _items;
    private readonly HashSet<int> _addFlags;
    private readonly bool _needRow;
    private readonly bool _needSummary;

    public MessageFetcher(ImapSession session, SelectedFolder selected, IReadOnlyList<FetchItem> items, HashSet<int> addFlags)
    {
        _session = session;
        _selected = selected;
        _items = items;
        _addFlags = addFlags;
        _needRow = items.Any(i => i.Kind is not (FetchItemKind.Flags or FetchItemKind.Uid or FetchItemKind.ModSeq));
        _needSummary = items.Any(i => i.Kind is FetchItemKind.Envelope or FetchItemKind.Body or FetchItemKind.BodyStructure
            or FetchItemKind.Rfc822Header or FetchItemKind.Rfc822Text
            || (i.Kind is FetchItemKind.BodySection or FetchItemKind.Binary or FetchItemKind.BinarySize && i.Section!.Part.Count > 0)
            || (i.Kind == FetchItemKind.BodySection && i.Section != BodySection.Whole));
    }

    /// <summary>Messages of the set that were expunged elsewhere (their rows are gone).</summary>
    public int Missing { get; private set; }

    public async Task WriteAsync(IReadOnlyList<int> indices, CancellationToken cancellationToken)
    {
        if (!_needRow)
        {
            foreach (var index in indices)
            {
                await WriteMessageAsync(index, null, null, [], cancellationToken);
            }
            return;
        }
        var rows = new MessageRows(_session, _selected, _needSummary);
        await foreach (var (index, held) in rows.ReadAsync(indices, cancellationToken))
        {
            if (held is null)
            {
                Missing++;
                continue;
            }
            var row = held;
            if (row.Summary is null && _needSummary)
            {
                // Not kept in the index (too large for its row): built from the blob once, then kept.
                row = row with { Summary = await ParseBlobAsync(row, cancellationToken) };
                rows.Remember(_selected.View.Uid(index), row);
            }
            var sections = await PrepareSectionsAsync(row, row.Summary, cancellationToken);
            try
            {
                await WriteMessageAsync(index, row, row.Summary, sections, cancellationToken);
            }
            finally
            {
                foreach (var s in sections)
                {
                    if (s.Stream is not null)
                    {
                        await s.Stream.DisposeAsync();
                    }
                }
            }
        }
    }

    /// <param name="Literal8">Sent as RFC 3516 literal8 (~{n}): BINARY content that may hold NUL.</param>
    /// <param name="SizeOnly">BINARY.SIZE: <paramref name="Length"/> is the answer.</param>
    private sealed record PreparedSection(FetchItem Item, string Name, bool Nil, byte[]? Data, Stream? Stream, long Length, bool Literal8 = false, bool SizeOnly = false);

    private async Task<List<PreparedSection>> PrepareSectionsAsync(CachedMessage row, MessageSummary? summary, CancellationToken cancellationToken)
    {
        var prepared = new List<PreparedSection>();
        var source = new MessageBytes(this, row);
        foreach (var item in _items)
        {
            BodySection section;
            switch (item.Kind)
            {
                case FetchItemKind.Rfc822:
                    section = BodySection.Whole;
                    break;
                case FetchItemKind.Rfc822Header:
                    section = new BodySection([], SectionText.Header);
                    break;
                case FetchItemKind.Rfc822Text:
                    section = new BodySection([], SectionText.Text);
                    break;
                case FetchItemKind.BodySection:
                    section = item.Section!;
                    break;
                case FetchItemKind.Binary or FetchItemKind.BinarySize:
                    prepared.Add(await PrepareBinaryAsync(item, row, summary, source, cancellationToken));
                    continue;
                default:
                    continue;
            }
            var bytes = summary is null ? SectionBytes.Range(0, row.Size) : MessageSections.Resolve(section, summary, row.Size);
            if (bytes.Nil)
            {
                prepared.Add(new PreparedSection(item, item.ResponseName, true, null, null, 0));
                continue;
            }
            var data = bytes.Data;
            long offset = bytes.Offset, length = bytes.Length;
            if (bytes.NeedsFilter)
            {
                var header = await source.ReadAsync(offset, Math.Min(length, MaxHeaderToFilter), cancellationToken);
                data = ImapHeaderFields.Filter(header, section.Fields!, section.Text == SectionText.HeaderFieldsNot);
            }
            // <origin.count>: a slice of the section; an origin past its end gives an empty string.
            if (item.PartialOrigin is long origin)
            {
                var count = item.PartialCount ?? long.MaxValue;
                var total = data?.LongLength ?? length;
                var start = Math.Min(origin, total);
                var take = Math.Min(count, total - start);
                if (data is not null)
                {
                    data = data.AsSpan((int)start, (int)take).ToArray();
                }
                offset += start;
                length = take;
            }
            if (data is not null)
            {
                prepared.Add(new PreparedSection(item, item.ResponseName, false, data, null, data.Length));
            }
            else if (length <= BufferUpTo || row.Size <= _session.Services.Cache.MaxMessageBytes)
            {
                var read = await source.ReadAsync(offset, length, cancellationToken);
                prepared.Add(new PreparedSection(item, item.ResponseName, false, read, null, read.Length));
            }
            else
            {
                var stream = await _session.Services.Messages.OpenReadRangeAsync(row.Source, offset, length, cancellationToken);
                prepared.Add(new PreparedSection(item, item.ResponseName, false, null, stream, length));
            }
        }
        return prepared;
    }

    /// <summary>
    /// BINARY[part] / BINARY.SIZE[part] (RFC 3516): the part's bytes decoded — at hand when small,
    /// else decoded from the blob as a stream (once to count, once more to send), never held.
    /// </summary>
    private async Task<PreparedSection> PrepareBinaryAsync(FetchItem item, CachedMessage row, MessageSummary? summary, MessageBytes source, CancellationToken cancellationToken)
    {
        var part = item.Section!.Part.Count == 0 || summary is null ? null : MessageSections.Navigate(summary.Body, item.Section.Part);
        if (item.Section.Part.Count > 0 && part is null)
        {
            return new PreparedSection(item, item.ResponseName, true, null, null, 0);
        }
        var encoding = BinaryContent.EncodingOf(part);
        var bytes = part is null ? SectionBytes.Range(0, row.Size) : SectionBytes.Range(part.BodyOffset, part.BodySize);
        var sizeOnly = item.Kind == FetchItemKind.BinarySize;
        var origin = item.PartialOrigin ?? 0;
        var count = item.PartialCount ?? long.MaxValue;
        if (bytes.Length <= BufferUpTo || row.Size <= _session.Services.Cache.MaxMessageBytes)
        {
            var raw = await source.ReadAsync(bytes.Offset, bytes.Length, cancellationToken);
            var data = encoding is { } e ? BinaryContent.Decode(raw, e) : raw;
            if (sizeOnly)
            {
                return new PreparedSection(item, item.ResponseName, false, null, null, data.Length, SizeOnly: true);
            }
            var start = (int)Math.Min(origin, data.Length);
            data = data.AsSpan(start, (int)Math.Min(count, data.Length - start)).ToArray();
            return new PreparedSection(item, item.ResponseName, false, data, null, data.Length, BinaryContent.NeedsLiteral8(data));
        }
        var messages = _session.Services.Messages;
        if (encoding is null)
        {
            var size = bytes.Length;
            if (sizeOnly)
            {
                return new PreparedSection(item, item.ResponseName, false, null, null, size, SizeOnly: true);
            }
            var skip = Math.Min(origin, size);
            var take = Math.Min(count, size - skip);
            var range = await messages.OpenReadRangeAsync(row.Source, bytes.Offset + skip, take, cancellationToken);
            return new PreparedSection(item, item.ResponseName, false, null, range, take, Literal8: true);
        }
        long decodedSize;
        await using (var counting = BinaryContent.Decoding(await messages.OpenReadRangeAsync(row.Source, bytes.Offset, bytes.Length, cancellationToken), encoding.Value))
        {
            decodedSize = await BinaryContent.SkipAsync(counting, long.MaxValue, cancellationToken);
        }
        if (sizeOnly)
        {
            return new PreparedSection(item, item.ResponseName, false, null, null, decodedSize, SizeOnly: true);
        }
        var decoding = BinaryContent.Decoding(await messages.OpenReadRangeAsync(row.Source, bytes.Offset, bytes.Length, cancellationToken), encoding.Value);
        var skipped = await BinaryContent.SkipAsync(decoding, Math.Min(origin, decodedSize), cancellationToken);
        return new PreparedSection(item, item.ResponseName, false, null, decoding, Math.Min(count, decodedSize - skipped), Literal8: true);
    }

    /// <summary>
    /// The bytes of one message: a small message is read whole once (or found in the cache) and
    /// every section sliced from it; a larger one is read by ranges as needed.
    /// </summary>
    private sealed class MessageBytes(MessageFetcher fetcher, CachedMessage row)
    {
        private byte[]? _whole;
        private bool _tried;

        public async Task<byte[]> ReadAsync(long offset, long length, CancellationToken cancellationToken)
        {
            if (length <= 0)
            {
                return [];
            }
            if (!_tried)
            {
                _tried = true;
                var services = fetcher._session.Services;
                _whole = await services.Cache.ReadWholeAsync(services.Messages, row.Source, row.Size, cancellationToken);
            }
            if (_whole is null)
            {
                return await fetcher.ReadRangeAsync(row.Source, offset, length, cancellationToken);
            }
            // Clipped at the end of the message, as a ranged read is.
            var start = (int)Math.Min(offset, _whole.LongLength);
            var take = (int)Math.Min(length, _whole.LongLength - start);
            return start == 0 && take == _whole.Length ? _whole : _whole.AsSpan(start, take).ToArray();
        }
    }

    private async Task<byte[]> ReadRangeAsync(MessageSource message, long offset, long length, CancellationToken cancellationToken)
    {
        if (length <= 0)
        {
            return [];
        }
        await using var stream = await _session.Services.Messages.OpenReadRangeAsync(message, offset, length, cancellationToken);
        var buffer = new byte[length];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (n == 0)
            {
                break;
            }
            filled += n;
        }
        return filled == buffer.Length ? buffer : buffer[..filled];
    }

    private async Task<MessageSummary?> ParseBlobAsync(CachedMessage row, CancellationToken cancellationToken)
    {
        var services = _session.Services;
        var whole = await services.Cache.ReadWholeAsync(services.Messages, row.Source, row.Size, cancellationToken);
        await using var stream = whole is not null ? (Stream)new MemoryStream(whole, writable: false) : await services.Messages.OpenReadAsync(row.Source, cancellationToken);
        return (await MessageSummaryBuilder.BuildAsync(stream, cancellationToken)).Summary;
    }

    private async Task WriteMessageAsync(int index, CachedMessage? row, MessageSummary? summary, List<PreparedSection> sections, CancellationToken cancellationToken)
    {
        var w = _session.Output;
        ImapWire.Raw(w, "* "u8);
        ImapWire.Number(w, index + 1);
        ImapWire.Raw(w, " FETCH ("u8);
        var first = true;
        var wroteFlags = false;
        var sectionIndex = 0;
        foreach (var item in _items)
        {
            if (!first)
            {
                ImapWire.Space(w);
            }
            first = false;
            switch (item.Kind)
            {
                case FetchItemKind.Uid:
                    ImapWire.Raw(w, "UID "u8);
                    ImapWire.Number(w, _selected.View.Uid(index));
                    break;
                case FetchItemKind.Flags:
                    ImapWire.Raw(w, "FLAGS "u8);
                    ImapWire.FlagList(w, _selected.FlagsAt(index));
                    wroteFlags = true;
                    break;
                case FetchItemKind.ModSeq:
                    ImapWire.Raw(w, "MODSEQ ("u8);
                    ImapWire.Number(w, _selected.ModSeqAt(index));
                    ImapWire.Raw(w, ")"u8);
                    break;
                case FetchItemKind.EmailId:
                    ImapWire.Text(w, "EMAILID (" + ImapObjectIds.EmailId(_session.State.User!.MailboxId, row!.BlobName) + ")");
                    break;
                case FetchItemKind.ThreadId:
                    ImapWire.Raw(w, "THREADID NIL"u8);
                    break;
                case FetchItemKind.InternalDate:
                    ImapWire.Raw(w, "INTERNALDATE \""u8);
                    ImapWire.Text(w, ImapDateTime.Format(row!.InternalDate));
                    ImapWire.Raw(w, "\""u8);
                    break;
                case FetchItemKind.SaveDate:
                    // RFC 8514: NIL for a message filed before save dates were kept.
                    if (row!.SavedDate is { } saved)
                    {
                        ImapWire.Raw(w, "SAVEDATE \""u8);
                        ImapWire.Text(w, ImapDateTime.Format(saved));
                        ImapWire.Raw(w, "\""u8);
                    }
                    else
                    {
                        ImapWire.Raw(w, "SAVEDATE NIL"u8);
                    }
                    break;
                case FetchItemKind.Rfc822Size:
                    ImapWire.Raw(w, "RFC822.SIZE "u8);
                    ImapWire.Number(w, row!.Size);
                    break;
                case FetchItemKind.Envelope:
                    ImapWire.Raw(w, "ENVELOPE "u8);
                    ImapStructureWriter.Envelope(w, summary?.Envelope);
                    break;
                case FetchItemKind.Body:
                case FetchItemKind.BodyStructure:
                    ImapWire.Raw(w, item.Kind == FetchItemKind.Body ? "BODY "u8 : "BODYSTRUCTURE "u8);
                    ImapStructureWriter.Body(w, summary?.Body ?? new MimePartSummary { Type = "text", Subtype = "plain" }, item.Kind == FetchItemKind.BodyStructure);
                    break;
                default:
                    var section = sections[sectionIndex++];
                    ImapWire.Text(w, section.Name);
                    ImapWire.Space(w);
                    await WriteSectionAsync(w, section, cancellationToken);
                    break;
            }
        }
        if (!wroteFlags && _addFlags.Contains(index))
        {
            // \Seen was just set by this FETCH: the client learns it here (RFC 3501 6.4.5).
            ImapWire.Raw(w, " FLAGS "u8);
            ImapWire.FlagList(w, _selected.FlagsAt(index));
        }
        ImapWire.Raw(w, ")\r\n"u8);
        await _session.FlushIfLargeAsync(cancellationToken);
    }

    private async Task WriteSectionAsync(System.IO.Pipelines.PipeWriter w, PreparedSection section, CancellationToken cancellationToken)
    {
        if (section.Nil)
        {
            ImapWire.Raw(w, "NIL"u8);
            return;
        }
        if (section.SizeOnly)
        {
            ImapWire.Number(w, section.Length);
            return;
        }
        if (section.Data is not null)
        {
            if (section.Literal8)
            {
                ImapWire.Raw(w, "~"u8);
                ImapWire.LiteralHeader(w, section.Length);
                ImapWire.Raw(w, section.Data);
                return;
            }
            ImapWire.Literal(w, section.Data);
            return;
        }
        await _session.WriteLiteralAsync(section.Stream!, section.Length, section.Literal8, cancellationToken);
    }
}
