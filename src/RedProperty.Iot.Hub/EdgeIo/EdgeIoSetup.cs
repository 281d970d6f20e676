using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Device.I2c;
using Iot.Device.Bh1750fvi;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Configuration;

namespace RedProperty.Iot.Hub.EdgeIo;

public static class EdgeIoSetup
{
    /// <summary>
    /// GPIO (siren, status LED, tamper switch, panic button) and the ambient light sensor. On a machine
    /// without a GPIO chip (<c>Gpio:Driver=auto</c>, the default, or <c>virtual</c>) a simulated controller
    /// and BH1750 stand in, so the same code runs in tests and demos.
    /// </summary>
    public static IServiceCollection AddEdgeIo(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCheckedOptions<GpioOptions, GpioOptionsValidator>(GpioOptions.Section);
        services.AddCheckedOptions<AmbientLightOptions, AmbientLightOptionsValidator>(AmbientLightOptions.Section);
        var driver = configuration[$"{GpioOptions.Section}:Driver"] ?? new GpioOptions().Driver;
        var wired = new[] { "SirenPin", "StatusLedPin", "TamperPin", "PanicPin" }.Any(pin => !string.IsNullOrEmpty(configuration[$"{GpioOptions.Section}:{pin}"]))
            || (configuration[$"{AmbientLightOptions.Section}:Sensor"] ?? "none") != "none";
        if (driver == "none" || !wired)
        {
            // Nothing wired to this box: darkness from sunrise and sunset, no pins opened.
            services.AddSingleton<ISiteDarkness, SolarDarkness>();
            return services;
        }

        var simulated = driver == "virtual" || (driver == "auto" && !HasGpioChip());
        services.AddSingleton(sp => new EdgeBox(BoxDevice(sp.GetRequiredService<IOptions<GpioOptions>>().Value, sp.GetRequiredService<DeviceRegistry>())));
        if (simulated)
        {
            services.AddSingleton<VirtualGpioDriver>();
            services.AddSingleton(sp => new GpioController(sp.GetRequiredService<VirtualGpioDriver>()));
            services.AddSingleton(sp => new SimulatedBh1750(
                sp.GetRequiredService<DeviceRegistry>().SitesById[sp.GetRequiredService<EdgeBox>().Device.Site], sp.GetRequiredService<TimeProvider>()));
        }
        else
        {
            services.AddSingleton(sp =>
            {
                var options = sp.GetRequiredService<IOptions<GpioOptions>>().Value;
                return options.Driver switch
                {
                    "libgpiod" => new GpioController(new LibGpiodDriver(options.Chip)),
                    "sysfs" => new GpioController(new SysFsDriver()),
                    _ => new GpioController(),
                };
            });
        }

        services.AddSingleton<ISiteDarkness>(sp =>
        {
            var solar = new SolarDarkness();
            var light = sp.GetRequiredService<IOptions<AmbientLightOptions>>().Value;
            if (light.Sensor == "none")
            {
                return solar;
            }

            I2cDevice bus = simulated ? sp.GetRequiredService<SimulatedBh1750>() : I2cDevice.Create(new I2cConnectionSettings(light.I2cBus, light.Address));
            return new AmbientLightDarkness(solar, new Bh1750fvi(bus), sp.GetRequiredService<EdgeBox>().Device.Site, light, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<AmbientLightDarkness>>());
        });
        services.AddSingleton<EdgeIoService>();
        services.AddHostedService(sp => sp.GetRequiredService<EdgeIoService>());
        return services;
    }

    /// <summary>A board has GPIO character devices (gpiochipN); a server or container does not.</summary>
    private static bool HasGpioChip() => Directory.Exists("/dev") && Directory.EnumerateFiles("/dev", "gpiochip*").Any();

    private static Device BoxDevice(GpioOptions options, DeviceRegistry registry)
    {
        var site = options.Site ?? (registry.Sites.Count == 1 ? registry.Sites[0].Id
            : throw new InvalidOperationException($"Gpio:Site must name the site this edge box stands in (the registry has {registry.Sites.Count} sites: {string.Join(", ", registry.Sites.Select(s => s.Id))})"));
        if (!registry.SitesById.ContainsKey(site))
        {
            throw new InvalidOperationException($"Gpio:Site '{site}' is not a site of the registry");
        }

        return new Device(site, EdgeBox.DeviceId, DeviceKind.Edge, options.Zone, "监控箱", SecretHash: string.Empty, Device.DefaultIntervalS, StreamUrl: null, Circuit: null);
    }
}
