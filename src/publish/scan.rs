//! The secret scan run before anything leaves the machine: built-in rules for well-known
//! credential formats, plus the journal's `[publish] never = [regex, …]`.
//!
//! A hit names the rule and the 1-based line, never the matched text: the report itself
//! must not spread the secret (to a terminal log, a CI transcript, a cron mail). For the
//! same reason a `never` rule is named by its position, not by its pattern: the pattern
//! is often the very word (a codename, a client's name) that must not leave.

use std::sync::LazyLock;

use anyhow::Result;
use regex::Regex;

use crate::error::hinted;

/// A rule: a name a person recognises and the pattern.
pub struct Rule {
    pub name: String,
    pub re: Regex,
}

/// The built-in rules.
static BUILT_IN: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    [
        (
            "private key block",
            r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----",
        ),
        (
            "GitHub token",
            r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})",
        ),
        ("GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
        ("AWS access key id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
        ("Slack token", r"\bxox[baprs]-[A-Za-z0-9-]{10,}"),
        (
            "Slack webhook",
            r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,}",
        ),
        ("Stripe secret key", r"\b[sr]k_live_[A-Za-z0-9]{20,}"),
        ("Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
        (
            "OpenAI/Anthropic API key",
            r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{32,}",
        ),
    ]
    .into_iter()
    .map(|(name, re)| Rule {
        name: name.to_string(),
        re: Regex::new(re).expect("built-in rules are valid"),
    })
    .collect()
});

/// One finding: which rule matched on which line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Hit {
    pub line: usize,
    pub rule: String,
}

/// Compile the journal's `never` patterns. A rule is named by its 1-based position, and
/// a bad pattern is an error naming its position: the pattern text never appears in a
/// report or an error, since it is often itself what must not leave.
pub fn compile_never(patterns: &[String]) -> Result<Vec<Rule>> {
    patterns
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let n = i + 1;
            Regex::new(p)
                .map(|re| Rule {
                    name: format!("[publish] never pattern #{n}"),
                    re,
                })
                .map_err(|e| {
                    hinted(
                        format!(
                            "invalid pattern #{n} in [publish] never of wol.toml: {}",
                            regex_error_reason(&e)
                        ),
                        "fix the regular expression (Rust regex syntax)",
                    )
                })
        })
        .collect()
}

/// What is wrong with a pattern, without the pattern: `regex::Error`'s `Display` quotes
/// the pattern with a caret under the fault, so only its `error: …` line is kept.
fn regex_error_reason(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(text) => text
            .lines()
            .find_map(|l| l.trim().strip_prefix("error: "))
            .unwrap_or("not a valid regular expression")
            .to_string(),
        regex::Error::CompiledTooBig(_) => "the compiled pattern is too big".to_string(),
        _ => "not a valid regular expression".to_string(),
    }
}

/// All built-in patterns in one automaton: most entries match none, and one pass over
/// them is much cheaper than one pass per rule.
static BUILT_IN_SET: LazyLock<regex::RegexSet> = LazyLock::new(|| {
    regex::RegexSet::new(BUILT_IN.iter().map(|r| r.re.as_str())).expect("built-in rules are valid")
});

/// Every rule (built-in, then `extra`) that matches `text`, with the line of each match.
pub fn scan_text(text: &str, extra: &[Rule]) -> Vec<Hit> {
    let mut hits = Vec::new();
    if !BUILT_IN_SET.is_match(text) && !extra.iter().any(|r| r.re.is_match(text)) {
        return hits;
    }
    for rule in BUILT_IN.iter().chain(extra) {
        for m in rule.re.find_iter(text) {
            let line = text[..m.start()].matches('\n').count() + 1;
            let hit = Hit {
                line,
                rule: rule.name.clone(),
            };
            if !hits.contains(&hit) {
                hits.push(hit);
            }
        }
    }
    hits.sort_by_key(|h| h.line);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_built_in_rule_fires_and_plain_text_does_not() {
        let samples = [
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            "-----BEGIN RSA PRIVATE KEY-----",
            "-----BEGIN PRIVATE KEY-----",
            "token ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "gho_abcdefghijklmnopqrstuvwxyz0123456789",
            "ghs_abcdefghijklmnopqrstuvwxyz0123456789",
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
            "AKIAIOSFODNN7EXAMPLE",
            "xoxb-1234567890-abcdefghij",
            "xoxp-1234567890-abcdefghij",
            "glpat-abcdefghij0123456789",
            "sk_live_abcdefghijklmnopqrstuvwx",
        ];
        for s in samples {
            assert_eq!(scan_text(s, &[]).len(), 1, "{s}");
        }
        assert!(
            scan_text(
                "We talked about AKIA and ghp_ prefixes; see BEGIN PUBLIC KEY.",
                &[]
            )
            .is_empty()
        );
    }

    #[test]
    fn hits_carry_the_line_and_never_rules_apply() {
        let never = compile_never(&["INTERNAL-ONLY".to_string()]).unwrap();
        let hits = scan_text("a\nb INTERNAL-ONLY\nc AKIAIOSFODNN7EXAMPLE\n", &never);
        assert_eq!(
            hits,
            [
                Hit {
                    line: 2,
                    rule: "[publish] never pattern #1".into()
                },
                Hit {
                    line: 3,
                    rule: "AWS access key id".into()
                },
            ]
        );
        assert!(compile_never(&["(".to_string()]).is_err());
    }

    #[test]
    fn a_never_pattern_is_named_by_position_never_by_its_text() {
        let never =
            compile_never(&["Bluebird".to_string(), "(?i)project-kestrel".to_string()]).unwrap();
        assert_eq!(never[0].name, "[publish] never pattern #1");
        assert_eq!(never[1].name, "[publish] never pattern #2");
        let hits = scan_text("we shipped Project-Kestrel today", &never);
        assert_eq!(
            hits,
            [Hit {
                line: 1,
                rule: "[publish] never pattern #2".into()
            }]
        );
        let report = serde_json::to_string(&hits).unwrap().to_lowercase();
        assert!(!report.contains("kestrel") && !report.contains("bluebird"));

        let err = compile_never(&["fine".to_string(), "(kestrel-codename".to_string()])
            .err()
            .unwrap();
        let msg = format!("{err:#}");
        assert!(msg.contains("#2"), "{msg}");
        assert!(msg.contains("unclosed group"), "{msg}");
        assert!(!msg.contains("kestrel"), "{msg}");
    }
}
