using System.Text.Json;
using System.Text.Json.Serialization;
using RedProperty.Iot.Hub.Views;

namespace RedProperty.Iot.Hub.Uplink;

/// <summary>
/// One change of an edge hub as it goes up to the district on <c>rp/{site}/uplink/changes</c>: the edge's change-log
/// number (<see cref="Seq"/>, increasing; a receiver keeps the highest it has stored per edge and drops what is not
/// higher, so a change sent twice is applied once), the desk event (<c>alertRaised</c>, <c>alertUpdated</c>,
/// <c>deviceStatusChanged</c>), its payload as the desk gets it, and for an alert its audit trail.
/// </summary>
public sealed record UplinkMessage(
    string Edge,
    long Seq,
    string Site,
    string Event,
    DateTimeOffset SentAt,
    JsonElement Data,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<AlertTransitionView>? Trail = null)
{
    public static string Topic(string site) => $"{DeviceTopic.Root}/{site}/uplink/changes";

    /// <summary>Where the edge says it is alive, and its newest change number, while it has nothing else to send (<see cref="UplinkHeartbeat"/>).</summary>
    public static string HeartbeatTopic(string site) => $"{DeviceTopic.Root}/{site}/uplink/heartbeat";

    /// <summary>Where a compound's monthly report goes up (retained; the stored snapshot byte for byte).</summary>
    public static string ReportTopic(string site) => $"{DeviceTopic.Root}/{site}/uplink/report-monthly";
}

/// <summary>The edge is alive: <see cref="Head"/> is its newest change number, so the centre can tell how far behind it is.</summary>
public sealed record UplinkHeartbeat(string Edge, long Head, DateTimeOffset SentAt);
