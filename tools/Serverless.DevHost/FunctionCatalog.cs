using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace Serverless.DevHost;

/// <summary>
/// The function app's functions, found the way the Functions host finds them: methods with
/// <see cref="FunctionAttribute"/>, classified by their trigger attribute. Routes, queue names and
/// schedules are read from those attributes, so each is defined once, in its function class.
/// </summary>
internal sealed class FunctionCatalog
{
    public FunctionCatalog(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract))
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            {
                var function = method.GetCustomAttribute<FunctionAttribute>();
                if (function is null)
                {
                    continue;
                }
                foreach (var p in method.GetParameters())
                {
                    if (p.GetCustomAttribute<HttpTriggerAttribute>() is { } http)
                    {
                        Http.Add(new HttpFunction(function.Name, type, method, http.Methods ?? ["get"], http.Route ?? function.Name));
                    }
                    else if (p.GetCustomAttribute<QueueTriggerAttribute>() is { } queue)
                    {
                        Queue.Add(new QueueFunction(function.Name, type, method, queue.QueueName, p));
                    }
                    else if (p.GetCustomAttribute<TimerTriggerAttribute>() is { } timer)
                    {
                        Timer.Add(new TimerFunction(function.Name, type, method, timer.Schedule, timer.RunOnStartup));
                    }
                    if (p.ParameterType == typeof(FunctionContext))
                    {
                        throw new InvalidOperationException($"{type.Name}.{method.Name}: take services by constructor injection; the dev host cannot supply a FunctionContext.");
                    }
                }
            }
        }
    }

    public List<HttpFunction> Http { get; } = [];

    public List<QueueFunction> Queue { get; } = [];

    public List<TimerFunction> Timer { get; } = [];
}

internal sealed record HttpFunction(string Name, Type Type, MethodInfo Method, string[] Verbs, string Route);

internal sealed record QueueFunction(string Name, Type Type, MethodInfo Method, string QueueName, ParameterInfo TriggerParameter);

internal sealed record TimerFunction(string Name, Type Type, MethodInfo Method, string Schedule, bool RunOnStartup);
