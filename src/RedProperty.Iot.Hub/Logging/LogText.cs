using System.Text;

namespace RedProperty.Iot.Hub.Logging;

/// <summary>
/// Text that came from outside (an MQTT user name, client id or topic) made safe for one log line:
/// cut to a sane length and with control characters escaped, so a 64 KiB user name with CR/LF cannot
/// flood the log or forge lines in it.
/// </summary>
public static class LogText
{
    public const int MaxLength = 128;

    public static string Safe(string? text)
    {
        if (text is null)
        {
            return "(none)";
        }

        var cut = text.Length > MaxLength;
        var span = cut ? text.AsSpan(0, MaxLength) : text.AsSpan();
        if (!cut && !span.ContainsAnyInRange('\u0000', '\u001f') && !span.Contains('\u007f'))
        {
            return text;
        }

        var safe = new StringBuilder(span.Length + 16);
        foreach (var c in span)
        {
            if (char.IsControl(c))
            {
                safe.Append(c switch { '\r' => "\\r", '\n' => "\\n", '\t' => "\\t", _ => $"\\u{(int)c:x4}" });
            }
            else
            {
                safe.Append(c);
            }
        }

        if (cut)
        {
            safe.Append($"…(+{text.Length - MaxLength} chars)");
        }

        return safe.ToString();
    }
}
