using Serverless.Cli.Api;

namespace Serverless.Cli.Rendering;

/// <summary>The outbound relay's messages of a tenant and the poison queues.</summary>
public static class QueueViews
{
    public static void Outbound(CliOutput output, IReadOnlyList<OutboundMessage> messages)
    {
        var table = Tables.Of("Id", "From", "Size", "Submitted", "Attempt", "Next attempt", "Recipients");
        foreach (var m in messages)
        {
            var recipients = string.Join("\n", m.Recipients.Select(r =>
                $"{r.Address}: {r.State}{(r.Status is null ? "" : " " + r.Status)}{(r.Diagnostic is null ? "" : " " + r.Diagnostic)}"));
            table.Row(m.Id, m.From, Tables.Size(m.Size), Tables.Time(m.SubmittedAt), m.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture),
                m.Done ? "done" : Tables.Time(m.NextAttemptAt), recipients);
        }
        Tables.Write(output, table, messages.Count);
    }

    public static void Poison(CliOutput output, PoisonList list)
    {
        output.Line($"{list.Queue}-poison: about {list.ApproximateCount} message(s); the oldest {list.Items.Count}:");
        var table = Tables.Of("Id", "Inserted", "Body");
        foreach (var m in list.Items)
        {
            table.Row(m.Id, Tables.Time(m.InsertedAt), m.Body.Length > 120 ? m.Body[..120] + "…" : m.Body);
        }
        Tables.Write(output, table, list.Items.Count);
    }
}
