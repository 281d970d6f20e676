namespace RedProperty.Iot.Hub.Tests.Infrastructure;

public static class Eventually
{
    /// <summary>Polls until the condition holds; fails with the last observed value otherwise.</summary>
    public static async Task<T> BecomesAsync<T>(Func<Task<T>> observe, Func<T, bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        T last;
        do
        {
            last = await observe();
            if (condition(last))
            {
                return last;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"{what ?? "condition"} not reached in time; last value: {last}");
        return last;
    }
}
