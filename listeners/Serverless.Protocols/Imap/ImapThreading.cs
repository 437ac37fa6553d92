using System.Text;

namespace Serverless.Protocols.Imap;

/// <summary>What THREAD needs of one message.</summary>
/// <param name="Number">Sequence number or UID, as the response is to show it; also the order in the mailbox.</param>
/// <param name="MessageId">Message-ID without angle brackets, or null.</param>
/// <param name="References">References ids in order (or the In-Reply-To id when there is no References), without brackets.</param>
/// <param name="Subject">Base subject key (<see cref="ImapBaseSubject"/>).</param>
/// <param name="IsReplyOrForward">A reply/forward marker was removed from the subject.</param>
/// <param name="Sent">Sent date (internal date when the Date: header is missing or unparseable).</param>
public sealed record ThreadMessage(long Number, string? MessageId, IReadOnlyList<string> References, string Subject, bool IsReplyOrForward, DateTimeOffset Sent);

/// <summary>A node of a thread tree; <see cref="Message"/> null is a dummy (a message referenced but not present).</summary>
public sealed class ThreadNode
{
    internal ThreadNode(ThreadMessage? message) => Message = message;

    public ThreadMessage? Message { get; internal set; }

    public List<ThreadNode> Children { get; } = [];

    internal ThreadNode? Parent { get; set; }

    internal DateTimeOffset Date { get; set; }

    internal long Order { get; set; }
}

/// <summary>
/// RFC 5256 THREAD=ORDEREDSUBJECT and THREAD=REFERENCES, and the THREAD response data. Pure and
/// iterative throughout (no recursion over the tree), so a 100,000-message chain needs no deep
/// stack; the only super-linear cost is the loop check when a link is made under a node that
/// already has children, which walks its ancestors.
/// </summary>
public static class ImapThreading
{
    /// <summary>Sort by base subject then date; each subject's first message is the parent of the rest; threads by their first message's date.</summary>
    public static List<ThreadNode> OrderedSubject(IReadOnlyList<ThreadMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var sorted = messages.OrderBy(m => m.Subject, StringComparer.Ordinal).ThenBy(m => m.Sent).ThenBy(m => m.Number).ToList();
        var roots = new List<ThreadNode>();
        ThreadNode? current = null;
        foreach (var m in sorted)
        {
            var node = new ThreadNode(m) { Date = m.Sent, Order = m.Number };
            if (current is not null && current.Message!.Subject == m.Subject)
            {
                current.Children.Add(node);
            }
            else
            {
                roots.Add(node);
                current = node;
            }
        }
        roots.Sort(ByDate);
        return roots;
    }

    /// <summary>RFC 5256 REFERENCES, steps 1-6.</summary>
    public static List<ThreadNode> References(IReadOnlyList<ThreadMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var table = new Dictionary<string, ThreadNode>(messages.Count, StringComparer.Ordinal);
        var all = new List<ThreadNode>(messages.Count);
        ThreadNode Get(string id)
        {
            if (!table.TryGetValue(id, out var node))
            {
                node = new ThreadNode(null);
                table[id] = node;
                all.Add(node);
            }
            return node;
        }

        // (1) link by Message-ID and References.
        foreach (var m in messages)
        {
            ThreadNode container;
            if (m.MessageId is { Length: > 0 } id && (!table.TryGetValue(id, out var existing) || existing.Message is null))
            {
                container = Get(id);
                container.Message = m;
            }
            else
            {
                container = new ThreadNode(m); // no or duplicate Message-ID: a message of its own
                all.Add(container);
            }
            var refs = m.References;
            for (var i = 0; i + 1 < refs.Count; i++)
            {
                var parent = Get(refs[i]);
                var child = Get(refs[i + 1]);
                if (child.Parent is null && parent != child && !IsAncestor(child, parent))
                {
                    Link(parent, child);
                }
            }
            if (refs.Count == 0)
            {
                Unlink(container);
            }
            else
            {
                // The message's own references name its parent: an older link (made from another
                // message's references) is broken even when the new one would make a loop and is
                // not made (RFC 5256 1.B; as Dovecot does).
                var parent = Get(refs[^1]);
                if (parent != container.Parent)
                {
                    Unlink(container);
                    if (parent != container && !IsAncestor(container, parent))
                    {
                        Link(parent, container);
                    }
                }
            }
        }

        // (2) the root set; (3) prune dummies.
        var roots = Prune(all.Where(n => n.Parent is null).ToList(), root: true);
        var work = new Stack<ThreadNode>(roots);
        while (work.Count > 0)
        {
            var node = work.Pop();
            var kept = Prune(node.Children, root: false);
            node.Children.Clear();
            node.Children.AddRange(kept);
            foreach (var child in kept)
            {
                child.Parent = node;
                work.Push(child);
            }
        }
        foreach (var r in roots)
        {
            r.Parent = null;
        }

        // (4) sort the root set by date.
        SortAll(roots);

        // (5) gather roots with the same base subject.
        roots = GatherBySubject(roots);

        // (6) sort every set of siblings by date.
        SortAll(roots);
        return roots;
    }

    /// <summary>The thread data of a THREAD response, e.g. "(2)(3 6 (4 23)(44 7 96))"; empty when there are no messages.</summary>
    public static string Format(IReadOnlyList<ThreadNode> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        var sb = new StringBuilder();
        var stack = new Stack<object>();
        foreach (var root in roots)
        {
            sb.Append('(');
            stack.Push(root);
            while (stack.Count > 0)
            {
                var item = stack.Pop();
                if (item is string text)
                {
                    sb.Append(text);
                    continue;
                }
                WriteNode(sb, stack, (ThreadNode)item);
            }
            sb.Append(')');
        }
        return sb.ToString();
    }

    /// <summary>
    /// thread-list = "(" (thread-members / thread-nested) ")"; thread-members = nz-number *(SP nz-number) [SP thread-nested];
    /// thread-nested = 2*thread-list. A node with one child continues its line; with several, each child is a list.
    /// </summary>
    private static void WriteNode(StringBuilder sb, Stack<object> stack, ThreadNode node)
    {
        if (node.Message is { } m)
        {
            sb.Append(m.Number);
            if (node.Children.Count > 0)
            {
                sb.Append(' ');
            }
        }
        if (node.Children.Count == 1)
        {
            stack.Push(node.Children[0]);
            return;
        }
        for (var i = node.Children.Count - 1; i >= 0; i--)
        {
            stack.Push(")");
            stack.Push(node.Children[i]);
            stack.Push("(");
        }
    }

    /// <summary>Message ids ("&lt;…&gt;") in a References or In-Reply-To value, without brackets, in order.</summary>
    public static List<string> MessageIds(string? value)
    {
        var ids = new List<string>();
        if (value is null)
        {
            return ids;
        }
        var pos = 0;
        while (true)
        {
            var open = value.IndexOf('<', pos);
            if (open < 0)
            {
                break;
            }
            var close = value.IndexOf('>', open + 1);
            if (close < 0)
            {
                break;
            }
            var id = value[(open + 1)..close].Trim();
            if (id.Length > 0 && !id.Contains('<', StringComparison.Ordinal))
            {
                ids.Add(id);
            }
            pos = close + 1;
        }
        return ids;
    }

    private static int ByDate(ThreadNode a, ThreadNode b)
    {
        var r = a.Date.CompareTo(b.Date);
        return r != 0 ? r : a.Order.CompareTo(b.Order);
    }

    private static void Link(ThreadNode parent, ThreadNode child)
    {
        child.Parent = parent;
        parent.Children.Add(child);
    }

    private static void Unlink(ThreadNode node)
    {
        if (node.Parent is { } p)
        {
            p.Children.Remove(node);
            node.Parent = null;
        }
    }

    /// <summary>Whether <paramref name="a"/> is <paramref name="b"/> or one of its ancestors (a link b→a would make a loop).</summary>
    private static bool IsAncestor(ThreadNode a, ThreadNode b)
    {
        if (a.Children.Count == 0)
        {
            return a == b; // nothing hangs below a: it cannot be above b
        }
        for (var n = b; n is not null; n = n.Parent)
        {
            if (n == a)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Step 3 on one list of siblings: a dummy without children goes; a dummy with children gives
    /// them its place, except a root dummy with more than one child, which stays.
    /// </summary>
    private static List<ThreadNode> Prune(List<ThreadNode> list, bool root)
    {
        var result = new List<ThreadNode>(list.Count);
        var pending = new Stack<ThreadNode>();
        for (var i = list.Count - 1; i >= 0; i--)
        {
            pending.Push(list[i]);
        }
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            if (node.Message is null)
            {
                if (node.Children.Count == 0 || (root && node.Children.Count > 1))
                {
                    if (node.Children.Count > 0)
                    {
                        result.Add(node);
                    }
                    continue;
                }
                for (var i = node.Children.Count - 1; i >= 0; i--)
                {
                    pending.Push(node.Children[i]);
                }
                node.Children.Clear();
                continue;
            }
            result.Add(node);
        }
        return result;
    }

    /// <summary>Sorts every sibling list below and including <paramref name="roots"/>; a dummy takes its first child's date.</summary>
    private static void SortAll(List<ThreadNode> roots)
    {
        // Post-order without recursion: children are sorted before their parent's date is needed.
        var order = new List<ThreadNode>();
        var stack = new Stack<ThreadNode>(roots);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            order.Add(node);
            foreach (var child in node.Children)
            {
                stack.Push(child);
            }
        }
        for (var i = order.Count - 1; i >= 0; i--)
        {
            var node = order[i];
            if (node.Children.Count > 1)
            {
                node.Children.Sort(ByDate);
            }
            if (node.Message is { } m)
            {
                node.Date = m.Sent;
                node.Order = m.Number;
            }
            else if (node.Children.Count > 0)
            {
                node.Date = node.Children[0].Date;
                node.Order = node.Children[0].Order;
            }
        }
        roots.Sort(ByDate);
    }

    private static ThreadMessage? SubjectMessage(ThreadNode root) => root.Message ?? (root.Children.Count > 0 ? root.Children[0].Message : null);

    /// <summary>Step 5: roots whose (first child's) base subject is the same are put together.</summary>
    private static List<ThreadNode> GatherBySubject(List<ThreadNode> roots)
    {
        var subjects = new string?[roots.Count];
        var table = new Dictionary<string, ThreadNode>(StringComparer.Ordinal);
        for (var i = 0; i < roots.Count; i++)
        {
            var m = SubjectMessage(roots[i]);
            if (m is null || m.Subject.Length == 0)
            {
                continue;
            }
            subjects[i] = m.Subject;
            var current = roots[i];
            if (!table.TryGetValue(m.Subject, out var held))
            {
                table[m.Subject] = current;
            }
            else if (held.Message is not null && (current.Message is null || (held.Message.IsReplyOrForward && !current.Message.IsReplyOrForward)))
            {
                table[m.Subject] = current;
            }
        }
        var slot = new Dictionary<ThreadNode, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < roots.Count; i++)
        {
            slot[roots[i]] = i;
        }
        var result = roots.Select(r => (ThreadNode?)r).ToArray();
        for (var i = 0; i < roots.Count; i++)
        {
            if (subjects[i] is not { } subject || result[i] is null)
            {
                continue;
            }
            var current = roots[i];
            var held = table[subject];
            if (held == current)
            {
                continue;
            }
            if (held.Message is null && current.Message is null)
            {
                foreach (var child in current.Children)
                {
                    Link(held, child);
                }
                current.Children.Clear();
                result[i] = null;
            }
            else if (held.Message is null)
            {
                Link(held, current);
                result[i] = null;
            }
            else if (current.Message is null)
            {
                // Not reached (a dummy always takes the table), kept for safety: the message joins the dummy.
                Link(current, held);
                result[slot[held]] = null;
                table[subject] = current;
            }
            else if (current.Message.IsReplyOrForward && !held.Message.IsReplyOrForward)
            {
                Link(held, current);
                result[i] = null;
            }
            else
            {
                var dummy = new ThreadNode(null);
                var at = slot[held];
                Link(dummy, held);
                Link(dummy, current);
                result[at] = dummy;
                slot[dummy] = at;
                result[i] = null;
                table[subject] = dummy;
            }
        }
        return [.. result.Where(n => n is not null).Select(n => n!)];
    }
}
