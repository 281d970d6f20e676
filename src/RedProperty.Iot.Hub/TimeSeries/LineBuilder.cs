using System.Globalization;
using System.Text;

namespace RedProperty.Iot.Hub.TimeSeries;

/// <summary>
/// One point in InfluxDB line protocol, written as InfluxDB.Client's <c>PointData.ToLineProtocol</c> writes it
/// (tags and fields in ordinal key order, a later value for a key replaces an earlier one, empty tags and
/// non-finite numbers left out, the same escaping; the tests hold the two to the same output), without its
/// immutable sorted dictionaries: PointData was over half of what the hub allocated per message.
/// One builder per thread, reused; <see cref="Finish"/> hands it back.
/// </summary>
internal sealed class LineBuilder
{
    [ThreadStatic]
    private static LineBuilder? t_spare;

    private readonly StringBuilder _text = new(256);
    private char[] _chars = new char[256];
    private readonly List<KeyValuePair<string, string>> _tags = new(8);
    private readonly List<KeyValuePair<string, FieldValue>> _fields = new(16);
    private string _measurement = string.Empty;

    private LineBuilder()
    {
    }

    public static LineBuilder Start(string measurement)
    {
        var builder = t_spare ?? new LineBuilder();
        t_spare = null;
        builder._measurement = measurement;
        return builder;
    }

    public LineBuilder Tag(string key, string? value)
    {
        Set(_tags, key, value ?? string.Empty);
        return this;
    }

    /// <summary>Sets a field; an absent or null value sets nothing (an earlier value for the key stays).</summary>
    public LineBuilder Field(string key, FieldValue value)
    {
        if (value.Kind is not (FieldValueKind.Absent or FieldValueKind.Null))
        {
            Set(_fields, key, value);
        }

        return this;
    }

    /// <summary>The line with its millisecond timestamp; empty when no field has a value (InfluxDB takes no such point).</summary>
    public string Finish(long timestampMs)
    {
        try
        {
            return Write(timestampMs) ? _text.ToString() : string.Empty;
        }
        finally
        {
            Release();
        }
    }

    /// <summary>
    /// As <see cref="Finish"/>, without a string: the line stays in this builder, which goes back to the thread it
    /// finishes on, so the span is valid only until that thread's next <see cref="Start"/>. For a caller that
    /// copies it at once (the ingest path writes it into the journal record).
    /// </summary>
    public ReadOnlySpan<char> FinishInPlace(long timestampMs)
    {
        try
        {
            if (!Write(timestampMs))
            {
                return [];
            }

            if (_chars.Length < _text.Length)
            {
                _chars = new char[Math.Max(_text.Length, _chars.Length * 2)];
            }

            _text.CopyTo(0, _chars, _text.Length);
            return _chars.AsSpan(0, _text.Length);
        }
        finally
        {
            Release();
        }
    }

    private bool Write(long timestampMs)
    {
        SortByKey(_tags);
        SortByKey(_fields);
        var text = _text.Clear();
        Escape(text, _measurement, escapeEquals: false);
        foreach (var (key, value) in _tags)
        {
            if (key.Length > 0 && value.Length > 0)
            {
                text.Append(',');
                Escape(text, key, escapeEquals: true);
                text.Append('=');
                Escape(text, value, escapeEquals: true);
            }
        }

        text.Append(' ');
        var any = false;
        foreach (var (key, value) in _fields)
        {
            if (!HasValue(value))
            {
                continue;
            }

            if (any)
            {
                text.Append(',');
            }

            any = true;
            Escape(text, key, escapeEquals: true);
            text.Append('=');
            AppendValue(text, value);
        }

        text.Append(' ').Append(timestampMs);
        return any;
    }

    private void Release()
    {
        _tags.Clear();
        _fields.Clear();
        t_spare = this;
    }

    private static bool HasValue(FieldValue value) => value.Kind switch
    {
        FieldValueKind.Bool or FieldValueKind.Integer or FieldValueKind.Text => true,
        FieldValueKind.Number => double.IsFinite(value.Number!.Value),
        _ => false,
    };

    private static void AppendValue(StringBuilder text, FieldValue value)
    {
        switch (value.Kind)
        {
            case FieldValueKind.Bool:
                text.Append(value.Bool!.Value ? "true" : "false");
                break;
            case FieldValueKind.Integer:
                text.Append(value.Integer!.Value).Append('i');
                break;
            case FieldValueKind.Number:
                text.Append(CultureInfo.InvariantCulture, $"{value.Number!.Value}");
                break;
            case FieldValueKind.Text:
                text.Append('"');
                foreach (var c in value.Text!)
                {
                    if (c is '\\' or '"')
                    {
                        text.Append('\\');
                    }

                    text.Append(c);
                }

                text.Append('"');
                break;
        }
    }

    private static void Escape(StringBuilder text, string value, bool escapeEquals)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\n':
                    text.Append("\\n");
                    continue;
                case '\r':
                    text.Append("\\r");
                    continue;
                case '\t':
                    text.Append("\\t");
                    continue;
                case ' ' or ',':
                    text.Append('\\');
                    break;
                case '=' when escapeEquals:
                    text.Append('\\');
                    break;
            }

            text.Append(c);
        }
    }

    private static void Set<T>(List<KeyValuePair<string, T>> entries, string key, T value)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            if (string.Equals(entries[i].Key, key, StringComparison.Ordinal))
            {
                entries[i] = new(key, value);
                return;
            }
        }

        entries.Add(new(key, value));
    }

    // A handful of entries, mostly in order already: insertion sort, no comparer allocated.
    private static void SortByKey<T>(List<KeyValuePair<string, T>> entries)
    {
        for (var i = 1; i < entries.Count; i++)
        {
            var entry = entries[i];
            var j = i - 1;
            while (j >= 0 && string.CompareOrdinal(entries[j].Key, entry.Key) > 0)
            {
                entries[j + 1] = entries[j];
                j--;
            }

            entries[j + 1] = entry;
        }
    }
}
