using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.FirmwareSim.Scenarios;

namespace RedProperty.Iot.FirmwareSim.Tests;

public sealed class ScenarioTests
{
    /// <summary>A compound with every kind in every setting: buildings (stairwell light, corridor circuit, a car with its camera), a gate, a car park.</summary>
    private static string Compound(string start = "2026-11-28T19:00:00+08:00", string duration = "6h", string incidents = "", int seed = 7) => $"""
        seed: {seed}
        start: {start}
        duration: {duration}
        intervals: {"{"} light: 120s, charger: 60s, elevator: 30s, camera: 120s {"}"}
        sites:
          - id: court
            name: 测试苑
            timeZone: Asia/Shanghai
            latitude: 28.23
            longitude: 112.87
            grids: 2
            buildings: 3
            building: {"{"} stairwellLights: 1, corridorChargers: 1, elevators: 1, carCameras: 1 {"}"}
            zones:
              - id: gate
                name: 正门
                type: gate
                devices: {"{"} camera: 1 {"}"}
              - id: car-park
                name: 车库
                type: car-park
                devices: {"{"} charger: 2, camera: 1 {"}"}
        incidents:
        {incidents}
        """;

    private static Scenario Read(string yaml) => ScenarioReader.Read(new StringReader(yaml), "test.yaml");

    [Fact]
    public void The_same_seed_gives_the_same_traffic_and_another_seed_other_traffic()
    {
        var first = TrafficTimeline.Build(Read(Compound()));
        var again = TrafficTimeline.Build(Read(Compound()));
        var other = TrafficTimeline.Build(Read(Compound(seed: 8)));

        Assert.Equal(first.Select(m => (m.Offset, m.Topic, m.Payload)), again.Select(m => (m.Offset, m.Topic, m.Payload)));
        Assert.NotEqual(first.Select(m => m.Payload), other.Select(m => m.Payload));
        Assert.True(first.Count > 1000, $"{first.Count} messages");
    }

    [Fact]
    public void Every_device_is_born_online_retained_then_reports_every_interval_with_increasing_seq()
    {
        var scenario = Read(Compound());
        var timeline = TrafficTimeline.Build(scenario);
        foreach (var device in scenario.Devices)
        {
            var own = timeline.Where(m => m.Device == device).ToArray();
            Assert.Equal((DeviceChannel.Status, "online", true), (own[0].Channel, own[0].Payload, own[0].Retain));
            var telemetry = own.Where(m => m.Channel == DeviceChannel.Telemetry).ToArray();
            var gaps = telemetry.Zip(telemetry.Skip(1), (a, b) => b.Offset - a.Offset).Distinct().ToArray();
            Assert.Equal([scenario.IntervalOf(device.Kind)], gaps);
            var seqs = telemetry.Select(m => System.Text.Json.JsonDocument.Parse(m.Payload).RootElement.GetProperty("seq").GetInt64()).ToArray();
            Assert.Equal(Enumerable.Range(1, seqs.Length).Select(i => (long)i), seqs);
        }
    }

    [Fact]
    public void A_day_and_a_night_of_normal_behaviour_raise_nothing_and_every_payload_is_valid()
    {
        // Dusk and dawn included: lamps switch with the sun exactly as the hub decides night.
        var outcome = RulesHarness.Run(Read(Compound(start: "2026-11-28T12:00:00+08:00", duration: "24h", incidents: "  []")));
        Assert.Empty(outcome.Refused);
        Assert.Empty(outcome.Raised);
        Assert.True(outcome.Messages > 5000);
    }

    [Theory]
    [InlineData("b01-light", "dead_lamp", AlertType.BrokenLight)]
    [InlineData("b01-chg", "flying_wire", AlertType.FlyingWireCharging)]
    [InlineData("car-park-chg-1", "unplugged_draw", AlertType.FlyingWireCharging)]
    [InlineData("car-park-chg-2", "overheat", AlertType.ChargerOverheat)]
    [InlineData("b02-chg", "smoke", AlertType.ChargerOverheat)]
    [InlineData("b02-lift-a", "fault", AlertType.ElevatorFault)]
    [InlineData("b03-lift-a", "entrapment", AlertType.ElevatorEntrapment)]
    [InlineData("b01-lift-a", "alarm_button", AlertType.ElevatorEntrapment)]
    [InlineData("gate-cam-1", "tamper", AlertType.CameraTamper)]
    [InlineData("b02-cam-a", "ebike", AlertType.EbikeInElevator)]
    [InlineData("car-park-cam-1", "offline", AlertType.DeviceOffline)]
    public void Each_failure_mode_raises_what_the_hub_rules_look_for_and_nothing_else(string device, string failure, AlertType expected)
    {
        var outcome = RulesHarness.Run(Read(Compound(incidents: $"  - {{ device: {device}, failure: {failure}, at: \"21:00\", for: 30m }}")));

        Assert.Empty(outcome.Refused);
        Assert.Equal([($"court/{device}", expected)], outcome.Raised);
    }

    [Fact]
    public void A_flickering_lamp_alternates_and_a_lamp_stuck_on_burns_in_daylight()
    {
        var flicker = TrafficTimeline.Build(Read(Compound(incidents: "  - { device: b01-light, failure: flicker, at: \"20:00\", for: 1h }")))
            .Where(m => m.Device.Id == "b01-light" && m.Channel == DeviceChannel.Telemetry && m.Offset >= TimeSpan.FromHours(1) && m.Offset < TimeSpan.FromHours(2))
            .Select(m => System.Text.Json.JsonDocument.Parse(m.Payload).RootElement.GetProperty("lux").GetDouble() >= 5)
            .ToArray();
        Assert.True(flicker.Length >= 20);
        Assert.All(flicker.Zip(flicker.Skip(1)), pair => Assert.NotEqual(pair.First, pair.Second));

        var stuck = TrafficTimeline.Build(Read(Compound(start: "2026-11-28T09:00:00+08:00", duration: "4h", incidents: "  - { device: b02-light, failure: stuck_on, at: \"10:00\" }")))
            .Where(m => m.Device.Kind == DeviceKind.Light && m.Channel == DeviceChannel.Telemetry && m.Offset >= TimeSpan.FromHours(1))
            .GroupBy(m => m.Device.Id)
            .ToDictionary(g => g.Key, g => g.All(m => System.Text.Json.JsonDocument.Parse(m.Payload).RootElement.GetProperty("on").GetBoolean()));
        Assert.True(stuck["b02-light"]);
        Assert.False(stuck["b01-light"]);
    }

    [Fact]
    public void An_outage_sends_the_will_goes_silent_and_comes_back_with_a_birth()
    {
        var timeline = TrafficTimeline.Build(Read(Compound(incidents: "  - { device: gate-cam-1, failure: offline, at: \"21:00\", for: 30m }")));
        var camera = timeline.Where(m => m.Device.Id == "gate-cam-1").ToArray();
        var will = Assert.Single(camera, m => m.IsWill);
        Assert.Equal(("offline", true, TimeSpan.FromHours(2)), (will.Payload, will.Retain, will.Offset));
        Assert.DoesNotContain(camera, m => m.Channel == DeviceChannel.Telemetry && m.Offset >= TimeSpan.FromHours(2) && m.Offset < TimeSpan.FromHours(2.5));
        Assert.Contains(camera, m => m.Channel == DeviceChannel.Status && m.Payload == "online" && m.Offset >= TimeSpan.FromHours(2.5));
    }

    [Fact]
    public void The_shipped_compound_has_4_grids_36_buildings_2_cars_each_and_its_incidents()
    {
        var scenario = ScenarioReader.Load(Path.Combine(AppContext.BaseDirectory, "scenarios", "jiahua.yaml"));
        var site = Assert.Single(scenario.Sites);
        Assert.Equal(36, site.Zones.Count(z => z.Type == "building"));
        Assert.Equal(72, site.Devices.Count(d => d.Kind == DeviceKind.Elevator));
        Assert.Equal(36, site.Devices.Count(d => d.Kind == DeviceKind.Light && d.Zone.StartsWith('b')));
        Assert.Equal(36, site.Devices.Count(d => d.Circuit == ChargerCircuit.Corridor));
        Assert.Equal(4, site.Zones.Where(z => z.Type == "building").Select(z => z.Name.Split(' ')[0]).Distinct().Count());
        Assert.Contains(site.Devices, d => d.Zone == "gate" && d.Kind == DeviceKind.Camera);
        Assert.Contains(site.Devices, d => d.Zone == "car-park" && d.Kind == DeviceKind.Camera);
        Assert.Equal(11, scenario.Incidents.Count);
        Assert.Equal(TimeSpan.FromMinutes(1), scenario.Duration / scenario.Pace.Speed);
    }

    [Fact]
    public void The_demo_raises_its_first_alert_within_90_seconds_and_all_five_incidents_within_ten_minutes()
    {
        // deploy/run-demo.sh plays this in real time: nobody should stare at an empty board for minutes.
        var scenario = ScenarioReader.Load(Path.Combine(AppContext.BaseDirectory, "scenarios", "demo.yaml"));
        Assert.Equal(1, scenario.Pace.Speed);

        var outcome = RulesHarness.Run(scenario, until: TimeSpan.FromMinutes(12));

        Assert.Empty(outcome.Refused);
        var first = outcome.RaisedAt[0];
        Assert.True(first.At <= TimeSpan.FromSeconds(90), $"the first alert ({first.Type} on {first.Device}) comes {first.At} after the devices are up");
        Assert.Equal(
            scenario.Incidents.Select(i => $"{i.Site}/{i.DeviceId}").Order(StringComparer.Ordinal),
            outcome.RaisedAt.Where(r => r.At <= TimeSpan.FromMinutes(10)).Select(r => r.Device).Order(StringComparer.Ordinal));
        Assert.All(outcome.RaisedAt.Zip(outcome.RaisedAt.Skip(1)), pair => Assert.True(pair.Second.At - pair.First.At <= TimeSpan.FromMinutes(3), $"{pair.First.At} to {pair.Second.At}: an empty spell of more than 3 min"));
    }

    [Fact]
    public void The_plan_names_each_incident_with_the_alert_and_the_time_the_rules_raise_it()
    {
        var scenario = Read(Compound(incidents: """
              - { device: b02-chg, failure: flying_wire, at: "19:30", for: 30m }
              - { device: b01-lift-a, failure: alarm_button, at: "19:10" }
              - { device: b01-light, failure: flicker, at: "20:00", for: 1h }
            """));
        var expected = RulesHarness.Run(scenario).RaisedAt;

        var plan = IncidentPlan.Of(scenario);

        Assert.Equal(["b01-lift-a", "b02-chg", "b01-light"], plan.Select(p => p.Device.Id));
        Assert.Equal(expected.Single(r => r.Device == "court/b01-lift-a").At, plan[0].AlertAt);
        Assert.Equal((AlertType?)AlertType.ElevatorEntrapment, plan[0].Alert);
        Assert.Equal(expected.Single(r => r.Device == "court/b02-chg").At, plan[1].AlertAt);
        Assert.True(plan[1].AlertAt - plan[1].Incident.From >= TimeSpan.FromSeconds(AlertThresholds.Defaults.FlyingWireSustainS), "flying wire is raised only after it has drawn for a while");
        Assert.Null(plan[2].Alert);

        var words = new StringWriter();
        IncidentPlan.Write(plan, scenario.Pace, words);
        var lines = words.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("First alert on the desk in about 10 min. What happens, counted from when the devices are up:", lines[0]);
        Assert.Equal("  +10 min  1栋A梯 (b01-lift-a): someone presses the alarm button in the car → desk: elevator entrapment at once", lines[1]);
        Assert.StartsWith("  +30 min  2栋走廊 (b02-chg): an e-bike charges from the corridor circuit for 30 min → desk: flying wire charging about ", lines[2]);
        Assert.EndsWith("→ desk: no alert", lines[3]);
    }

    [Fact]
    public void A_bad_scenario_is_refused_with_every_problem_its_line_and_field()
    {
        var yaml = """
            seed: 1
            start: yesterday
            duration: 6h
            sites:
              - id: Court
                name: x
                colour: red
            incidents:
              - { device: nowhere, failure: flying_wire, at: "21:00" }
              - { device: b01-light, failure: melted, at: "21:00" }
            """;
        var error = Assert.Throws<InvalidDataException>(() => ScenarioReader.Read(new StringReader(yaml), "bad.yaml"));
        Assert.Contains("line 2: start: 'yesterday'", error.Message);
        Assert.Contains("line 5: sites[0].id: 'Court'", error.Message);
        Assert.Contains("line 7: sites[0].colour: unknown field", error.Message);
        Assert.Contains("incidents[0].device: no device 'nowhere'", error.Message);

        var wrongKind = Assert.Throws<InvalidDataException>(() => Read(Compound(incidents: "  - { device: b01-light, failure: tamper, at: \"21:00\" }")));
        Assert.Contains("incidents[0].failure: tamper cannot happen to a light", wrongKind.Message);
        Assert.Matches("line \\d+: incidents\\[0\\]\\.failure", wrongKind.Message);

        var notYaml = Assert.Throws<InvalidDataException>(() => ScenarioReader.Read(new StringReader("seed: 1\nstart: x\n  duration: 6h: 7"), "broken.yaml"));
        Assert.StartsWith("broken.yaml:3: not valid YAML", notYaml.Message);
        var unclosed = Assert.Throws<InvalidDataException>(() => ScenarioReader.Read(new StringReader("seed: [1, 2\nstart: x"), "broken.yaml"));
        Assert.StartsWith("broken.yaml: not valid YAML", unclosed.Message);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("1h30m", 5400)]
    [InlineData("31d", 31 * 86400)]
    [InlineData("3d21h40m", (3 * 86400) + (21 * 3600) + (40 * 60))]
    [InlineData("0.5d", 43200)]
    public void Durations_are_read_in_days_hours_minutes_and_seconds(string text, int seconds)
    {
        Assert.True(ScenarioReader.TryParseDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Fact]
    public void A_month_long_scenario_places_an_incident_days_after_its_start()
    {
        var scenario = Read(Compound(start: "2026-10-01T00:00:00+08:00", duration: "31d", incidents: "  - { device: b01-chg, failure: flying_wire, at: \"+5d20h40m\", for: 6h }"));
        Assert.Equal(TimeSpan.FromDays(31), scenario.Duration);
        var incident = Assert.Single(scenario.Incidents);
        Assert.Equal(TimeSpan.FromDays(5) + TimeSpan.FromHours(20) + TimeSpan.FromMinutes(40), incident.From);
        Assert.Equal(TimeSpan.FromHours(6), incident.For);
        Assert.False(ScenarioReader.TryParseDuration("3h2d", out _)); // largest unit first
    }
}
