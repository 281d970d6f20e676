using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace RedProperty.Iot.Hub.Configuration;

public static class OptionsSetup
{
    /// <summary>
    /// The one way the hub's options are bound and checked: <typeparamref name="TOptions"/> from
    /// <paramref name="section"/>, validated at start by its source-generated <typeparamref name="TValidator"/>
    /// (the data annotations, then the class's own <c>IValidatableObject</c> rules, whose messages name the key).
    /// </summary>
    public static OptionsBuilder<TOptions> AddCheckedOptions<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
    }
}
