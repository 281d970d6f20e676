namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>
/// Tests that keep both cores busy (ffmpeg encoders, a dotnet publish, extra hub processes, a replayed
/// night) run alone after the others, so the timed checks elsewhere (an alert within a second, on the
/// board within two) do not share the machine with them.
/// </summary>
[CollectionDefinition("heavy", DisableParallelization = true)]
public sealed class HeavyCollection;
