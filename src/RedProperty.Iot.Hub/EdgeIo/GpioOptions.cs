using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RedProperty.Iot.Hub.EdgeIo;

/// <summary>The edge box's pins (<c>Gpio:*</c>): which driver, which site they belong to, and what is wired where.</summary>
public sealed class GpioOptions
{
    public const string Section = "Gpio";

    /// <summary>
    /// <c>auto</c> (a real driver when the machine has a GPIO chip, else the simulated one), <c>virtual</c>,
    /// <c>libgpiod</c>, <c>sysfs</c> or <c>none</c> (no edge I/O at all).
    /// </summary>
    [RegularExpression("^(auto|virtual|libgpiod|sysfs|none)$", ErrorMessage = "Gpio:Driver must be auto, virtual, libgpiod, sysfs or none")]
    public string Driver { get; set; } = "auto";

    /// <summary>The GPIO chip for libgpiod (gpiochipN).</summary>
    [Range(0, 15)]
    public int Chip { get; set; }

    /// <summary>The site the box stands in (its siren, panic button and light sensor); may be left out when the registry has one site.</summary>
    public string? Site { get; set; }

    /// <summary>The zone its alerts are shown in, e.g. the gate house.</summary>
    public string Zone { get; set; } = "edge-box";

    /// <summary>Output: siren/strobe relay, on while a critical alert of the site awaits response.</summary>
    public int? SirenPin { get; set; }

    /// <summary>Output: status LED, a heartbeat blink; a fast blink while the hub is degraded.</summary>
    public int? StatusLedPin { get; set; }

    /// <summary>Input: cabinet tamper switch (active = cabinet open).</summary>
    public int? TamperPin { get; set; }

    /// <summary>Input: the gate's panic button.</summary>
    public int? PanicPin { get; set; }

    /// <summary>Inputs switch to ground against a pull-up (the usual wiring): low means active.</summary>
    public bool InputsActiveLow { get; set; } = true;

    /// <summary>A contact must be steady this long before a change counts.</summary>
    [Range(1, 2000)]
    public int DebounceMs { get; set; } = 50;
}

/// <summary>The ambient light sensor (<c>AmbientLight:*</c>) that decides day and night for the box's site.</summary>
public sealed class AmbientLightOptions
{
    public const string Section = "AmbientLight";

    /// <summary><c>bh1750</c> or <c>none</c> (sunrise and sunset only).</summary>
    [RegularExpression("^(bh1750|none)$", ErrorMessage = "AmbientLight:Sensor must be bh1750 or none")]
    public string Sensor { get; set; } = "none";

    [Range(0, 15)]
    public int I2cBus { get; set; } = 1;

    /// <summary>0x23 (ADDR low) or 0x5C (ADDR high).</summary>
    [Range(0x23, 0x5C)]
    public int Address { get; set; } = 0x23;

    /// <summary>Below this the site counts as dark.</summary>
    [Range(0.1, 1000)]
    public double DarkBelowLux { get; set; } = 10;

    /// <summary>A reading is reused this long before the sensor is read again.</summary>
    [Range(1, 3600)]
    public int ReadEverySeconds { get; set; } = 10;
}

[OptionsValidator]
public sealed partial class GpioOptionsValidator : IValidateOptions<GpioOptions>;

[OptionsValidator]
public sealed partial class AmbientLightOptionsValidator : IValidateOptions<AmbientLightOptions>;
