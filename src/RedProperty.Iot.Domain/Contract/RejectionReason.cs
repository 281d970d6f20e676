namespace RedProperty.Iot.Domain.Contract;

/// <summary>Why a device message was refused. The wire names are the metric labels and API values.</summary>
public enum RejectionReason
{
    MalformedTopic,
    InvalidSite,
    InvalidDeviceId,
    UnknownKind,
    UnknownChannel,
    ForeignTopic,
    UnknownDevice,
    KindMismatch,
    CommandFromDevice,
    PayloadTooLarge,
    EmptyPayload,
    MalformedJson,
    NotAnObject,
    DuplicateField,
    WrongType,
    NotFinite,
    OutOfRange,
    InvalidValue,
    ControlCharacter,
    MissingField,
    NoKnownField,
    InvalidStatus,
}

public static class RejectionReasons
{
    public static IReadOnlyList<RejectionReason> All { get; } = Enum.GetValues<RejectionReason>();

    public static string ToWire(this RejectionReason reason) => reason switch
    {
        RejectionReason.MalformedTopic => "malformed_topic",
        RejectionReason.InvalidSite => "invalid_site",
        RejectionReason.InvalidDeviceId => "invalid_device_id",
        RejectionReason.UnknownKind => "unknown_kind",
        RejectionReason.UnknownChannel => "unknown_channel",
        RejectionReason.ForeignTopic => "foreign_topic",
        RejectionReason.UnknownDevice => "unknown_device",
        RejectionReason.KindMismatch => "kind_mismatch",
        RejectionReason.CommandFromDevice => "cmd_from_device",
        RejectionReason.PayloadTooLarge => "payload_too_large",
        RejectionReason.EmptyPayload => "empty_payload",
        RejectionReason.MalformedJson => "malformed_json",
        RejectionReason.NotAnObject => "not_an_object",
        RejectionReason.DuplicateField => "duplicate_field",
        RejectionReason.WrongType => "wrong_type",
        RejectionReason.NotFinite => "not_finite",
        RejectionReason.OutOfRange => "out_of_range",
        RejectionReason.InvalidValue => "invalid_value",
        RejectionReason.ControlCharacter => "control_character",
        RejectionReason.MissingField => "missing_field",
        RejectionReason.NoKnownField => "no_known_field",
        RejectionReason.InvalidStatus => "invalid_status",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}

/// <summary>A refused message: the reason, and a detail such as the offending field.</summary>
public readonly record struct Rejection(RejectionReason Reason, string Detail)
{
    public override string ToString() => $"{Reason.ToWire()}: {Detail}";
}
