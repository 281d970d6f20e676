using System.Text.Json;
using System.Text.Json.Serialization;
using RedProperty.Iot.Hub.Devices;
using RedProperty.Iot.Hub.Views;

namespace RedProperty.Iot.Hub.ChangeLog;

/// <summary>The payloads of the change log (what the desks get, as JSON).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AlertView))]
[JsonSerializable(typeof(DeviceStatusView))]
[JsonSerializable(typeof(ElevatorView))]
internal sealed partial class DeskJsonContext : JsonSerializerContext;
