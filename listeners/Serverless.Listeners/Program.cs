using Serverless.Listeners.Hosting;

// The listener container: SMTP, IMAP and POP3 on Kestrel, /healthz on the health port.
var builder = WebApplication.CreateSlimBuilder(args);
builder.AddMailListeners();
var app = builder.Build();
app.MapMailHealth();
await app.RunAsync();
