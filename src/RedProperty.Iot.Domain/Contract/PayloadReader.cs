using System.Buffers;
using System.Text.Json;

namespace RedProperty.Iot.Domain.Contract;

/// <summary>
/// Reads one flat JSON object field by field, recording the first problem instead of throwing,
/// so that the decoder stays a plain loop over a kind's declared fields.
/// </summary>
internal ref struct PayloadReader
{
    private static readonly JsonReaderOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = 8,
    };

    private Utf8JsonReader _json;

    public PayloadReader(ReadOnlySequence<byte> payload)
    {
        _json = new Utf8JsonReader(payload, Options);
    }

    public Rejection Error { get; private set; }

    public bool Failed { get; private set; }

    public void Fail(RejectionReason reason, string detail)
    {
        if (!Failed)
        {
            Failed = true;
            Error = new Rejection(reason, detail);
        }
    }

    /// <summary>Moves onto the opening brace. Malformed JSON surfaces as <see cref="JsonException"/>, caught by the caller.</summary>
    public bool BeginObject()
    {
        if (!_json.Read() || _json.TokenType != JsonTokenType.StartObject)
        {
            Fail(RejectionReason.NotAnObject, "payload must be a JSON object");
            return false;
        }

        return true;
    }

    /// <summary>Positions on the next property name; false at the closing brace or after a failure.</summary>
    public bool NextProperty()
    {
        if (Failed)
        {
            return false;
        }

        _json.Read();
        return _json.TokenType == JsonTokenType.PropertyName;
    }

    /// <summary>After the closing brace nothing may follow but white space.</summary>
    public bool EndObject()
    {
        if (Failed)
        {
            return false;
        }

        if (_json.Read())
        {
            Fail(RejectionReason.MalformedJson, "data after the JSON object");
            return false;
        }

        return true;
    }

    public readonly bool NameIs(ReadOnlySpan<byte> name) => _json.ValueTextEquals(name);

    /// <summary>The declared field the current property names, or null when the kind has no such field.</summary>
    public readonly TelemetryField? FieldNamed(ReadOnlySpan<TelemetryField> fields)
    {
        foreach (var field in fields)
        {
            if (_json.ValueTextEquals(field.Utf8Name))
            {
                return field;
            }
        }

        return null;
    }

    /// <summary>Reads a declared field's value into its slot, by the field's type and range.</summary>
    public void ReadField(TelemetryField field, ref FieldValue slot)
    {
        switch (field.Type)
        {
            case FieldType.Bool:
            {
                var value = slot.Bool;
                ReadBool(field.Name, ref value);
                slot = FieldValue.Of(value);
                break;
            }

            case FieldType.Integer:
            {
                var value = slot.Integer;
                ReadInteger(field.Name, ref value, (long)field.Min, (long)field.Max);
                slot = FieldValue.Of(value);
                break;
            }

            case FieldType.Number:
            {
                var value = slot.Number;
                ReadNumber(field.Name, ref value, field.Min, field.Max);
                slot = FieldValue.Of(value);
                break;
            }

            case FieldType.Text:
            {
                var seen = slot.IsSet;
                var value = slot.Text;
                ReadString(field.Name, ref seen, ref value, field.MaxLength, field.Nullable);
                slot = value is not null ? FieldValue.Of(value) : seen && !Failed ? FieldValue.Null : slot;
                break;
            }
        }
    }

    public readonly string Name() => _json.GetString() ?? string.Empty;

    public void SkipValue()
    {
        _json.Read();
        _json.Skip();
    }

    public void ReadBool(string field, ref bool? target)
    {
        _json.Read();
        if (target.HasValue)
        {
            Fail(RejectionReason.DuplicateField, field);
            return;
        }

        switch (_json.TokenType)
        {
            case JsonTokenType.True: target = true; break;
            case JsonTokenType.False: target = false; break;
            default: Fail(RejectionReason.WrongType, $"{field} must be true or false"); _json.Skip(); break;
        }
    }

    public void ReadNumber(string field, ref double? target, double min, double max)
    {
        _json.Read();
        if (target.HasValue)
        {
            Fail(RejectionReason.DuplicateField, field);
            return;
        }

        if (_json.TokenType != JsonTokenType.Number)
        {
            Fail(RejectionReason.WrongType, $"{field} must be a number");
            _json.Skip();
            return;
        }

        if (!_json.TryGetDouble(out var value) || !double.IsFinite(value))
        {
            Fail(RejectionReason.NotFinite, $"{field} must be a finite number");
            return;
        }

        if (value < min || value > max)
        {
            Fail(RejectionReason.OutOfRange, $"{field} must be between {min} and {max}");
            return;
        }

        target = value;
    }

    public void ReadInteger(string field, ref long? target, long min, long max)
    {
        _json.Read();
        if (target.HasValue)
        {
            Fail(RejectionReason.DuplicateField, field);
            return;
        }

        if (_json.TokenType != JsonTokenType.Number)
        {
            Fail(RejectionReason.WrongType, $"{field} must be an integer");
            _json.Skip();
            return;
        }

        if (!_json.TryGetInt64(out var value))
        {
            if (_json.TryGetDouble(out var real) && double.IsFinite(real) && Math.Abs(real) < long.MaxValue)
            {
                Fail(RejectionReason.WrongType, $"{field} must be an integer");
            }
            else
            {
                Fail(RejectionReason.OutOfRange, $"{field} must be between {min} and {max}");
            }

            return;
        }

        if (value < min || value > max)
        {
            Fail(RejectionReason.OutOfRange, $"{field} must be between {min} and {max}");
            return;
        }

        target = value;
    }

    /// <summary>Reads a string (or, when <paramref name="nullable"/>, null); control characters are refused.</summary>
    public void ReadString(string field, ref bool seen, ref string? target, int maxLength, bool nullable)
    {
        _json.Read();
        if (seen)
        {
            Fail(RejectionReason.DuplicateField, field);
            return;
        }

        seen = true;
        if (_json.TokenType == JsonTokenType.Null && nullable)
        {
            target = null;
            return;
        }

        if (_json.TokenType != JsonTokenType.String)
        {
            Fail(RejectionReason.WrongType, nullable ? $"{field} must be a string or null" : $"{field} must be a string");
            _json.Skip();
            return;
        }

        target = ReadCheckedString(field, maxLength);
    }

    /// <summary>Reads the current value if it is a scalar (for event attributes); objects and arrays are skipped.</summary>
    public object? ReadScalar(string field)
    {
        _json.Read();
        switch (_json.TokenType)
        {
            case JsonTokenType.True: return true;
            case JsonTokenType.False: return false;
            case JsonTokenType.String: return ReadCheckedString(field, 256);
            case JsonTokenType.Number:
                if (!_json.TryGetDouble(out var number) || !double.IsFinite(number))
                {
                    Fail(RejectionReason.NotFinite, $"{field} must be a finite number");
                    return null;
                }

                return number;
            default:
                _json.Skip();
                return null;
        }
    }

    private string? ReadCheckedString(string field, int maxLength)
    {
        string value;
        try
        {
            value = _json.GetString() ?? string.Empty;
        }
        catch (InvalidOperationException)
        {
            Fail(RejectionReason.MalformedJson, $"{field} is not valid UTF-8");
            return null;
        }

        if (value.Length > maxLength)
        {
            Fail(RejectionReason.OutOfRange, $"{field} is longer than {maxLength} characters");
            return null;
        }

        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                Fail(RejectionReason.ControlCharacter, $"{field} contains a control character");
                return null;
            }
        }

        return value;
    }
}
