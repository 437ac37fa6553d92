using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Serverless.DevHost;

/// <summary>Creates a function class in a DI scope (as the worker does) and calls one method, awaiting any task.</summary>
internal static class FunctionInvoker
{
    public static async Task<object?> InvokeAsync(IServiceProvider services, Type type, MethodInfo method, object?[] arguments)
    {
        await using var scope = services.CreateAsyncScope();
        var instance = method.IsStatic ? null : ActivatorUtilities.CreateInstance(scope.ServiceProvider, type);
        try
        {
            object? result;
            try
            {
                result = method.Invoke(instance, arguments);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
            switch (result)
            {
                case Task task:
                    await task.ConfigureAwait(false);
                    return task.GetType().IsGenericType ? task.GetType().GetProperty("Result")!.GetValue(task) : null;
                case ValueTask valueTask:
                    await valueTask.ConfigureAwait(false);
                    return null;
                default:
                    if (result is not null && result.GetType().IsGenericType && result.GetType().GetGenericTypeDefinition() == typeof(ValueTask<>))
                    {
                        var asTask = (Task)result.GetType().GetMethod("AsTask")!.Invoke(result, null)!;
                        await asTask.ConfigureAwait(false);
                        return asTask.GetType().GetProperty("Result")!.GetValue(asTask);
                    }
                    return result;
            }
        }
        finally
        {
            if (instance is IAsyncDisposable ad)
            {
                await ad.DisposeAsync().ConfigureAwait(false);
            }
            else if (instance is IDisposable d)
            {
                d.Dispose();
            }
        }
    }
}
