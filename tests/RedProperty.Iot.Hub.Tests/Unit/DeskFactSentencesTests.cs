using System.Text.RegularExpressions;
using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Unit;

/// <summary>The desk screen writes every fact the hub states, in Chinese and in English, with the same values.</summary>
public sealed partial class DeskFactSentencesTests
{
    private static readonly string Script = File.ReadAllText(Repository.PathOf("src", "RedProperty.Iot.Hub", "wwwroot", "js", "facts.js"));

    [Theory]
    [InlineData("zh-CN")]
    [InlineData("en")]
    public void Every_fact_key_has_a_sentence_using_the_values_it_carries(string language)
    {
        var sentences = SentencesOf(language);
        Assert.Equal(AlertFacts.Keys.Order(StringComparer.Ordinal), sentences.Keys.Order(StringComparer.Ordinal));
        foreach (var key in AlertFacts.Keys)
        {
            // The English message names every value; the screen's sentences may leave out technical detail (ffmpeg's answer).
            var wanted = Placeholder().Matches(AlertFactsEnglish(key)).Select(m => m.Groups[1].Value).Where(n => n != "detail" || language == "en").Order();
            Assert.True(wanted.SequenceEqual(Placeholder().Matches(sentences[key]).Select(m => m.Groups[1].Value).Order()), $"{language} {key}: '{sentences[key]}' does not use the values of '{AlertFactsEnglish(key)}'");
        }
    }

    private static string AlertFactsEnglish(string key) =>
        new AlertFact(key, [.. "circuit current duration temperature light readings code confidence detail silence interval".Split(' ').Select(n => new FactValue(n, FactValueType.Code, Text: $"{{{n}}}"))]).Message;

    private static Dictionary<string, string> SentencesOf(string language)
    {
        var quoted = Regex.Escape(language.Contains('-', StringComparison.Ordinal) ? $"'{language}'" : language);
        var block = Regex.Match(Script, quoted + @": \{(?<body>.*?)\n  \},", RegexOptions.Singleline);
        Assert.True(block.Success, $"no {language} block in facts.js");
        return Entry().Matches(block.Groups["body"].Value).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["text"].Value, StringComparer.Ordinal);
    }

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex("""'(?<key>[a-z_]+\.[a-z_]+)': (?<q>['"])(?<text>.*?)\k<q>,""")]
    private static partial Regex Entry();
}
