using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Configuration;

namespace RedProperty.Iot.Hub.Field;

public static class FieldSetup
{
    /// <summary>Field response: the places' signed stickers and their links, dispatch of new alerts to grid staff on duty, residents' reports.</summary>
    public static IServiceCollection AddField(this IServiceCollection services)
    {
        services.AddCheckedOptions<FieldOptions, FieldOptionsValidator>(FieldOptions.Section);
        services.AddSingleton(sp =>
        {
            var field = sp.GetRequiredService<IOptions<FieldOptions>>().Value;
            var key = field.StickerKeyBytes() is { Length: > 0 } configured ? configured : StickerKeyFile.LoadOrCreate(sp.GetRequiredService<IOptions<HubOptions>>().Value.DataDir);
            return new PlaceStickers(key, sp.GetRequiredService<DeviceRegistry>());
        });
        services.AddSingleton<PlaceLinks>();
        services.AddSingleton<FieldPhotos>();
        services.AddSingleton<ResidentReports>();
        services.AddResidentRateLimit();
        services.AddSingleton<GridDispatcher>();
        services.AddSingleton<IAlertDispatcher>(sp => sp.GetRequiredService<GridDispatcher>());
        services.AddHostedService(sp => sp.GetRequiredService<GridDispatcher>());
        return services;
    }

    public static IEndpointRouteBuilder MapField(this IEndpointRouteBuilder app) => app.MapPlaceEndpoints().MapDispatchEndpoints().MapResidentEndpoints().MapFieldAlertEndpoints();
}
