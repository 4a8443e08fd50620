//! The secret scan run before anything leaves the machine: built-in rules for well-known
//! credential formats, plus the journal's `[publish] never = [regex, …]`.
//!
//! A hit names the rule and the 1-based line, never the matched text: the report itself
//! must not spread the secret (to a terminal log, a CI transcript, a cron mail). For the
//! same reason a `never` rule is named by its position, not by its pattern: the pattern
//! is often the very word (a codename, a client's name) that must not leave.
//!
//! The built-in formats follow gitleaks' default rule set (prefixes, lengths, alphabets),
//! written for the `regex` crate (no look-around) and a little more lenient on lengths:
//! a publish guard would rather hold back one entry too many. Three kinds of rule:
//!
//! - **prefix tokens** (`ghp_…`, `glpat-…`, `sk-ant-…`, `AKIA…`): found anywhere, also
//!   glued to a word (`MY_TOKEN_ghp_…`, `token=sk-ant-…`), because a distinctive prefix
//!   plus the right length and alphabet is already specific. Short or word-like
//!   prefixes (`sk-`, `sk_live_`, `SK`, `AKIA`, `dapi`) must not follow a letter or a
//!   digit (`_` is fine), so `task_test_…` or `desk-…` is not a Stripe or OpenAI key;
//! - **context rules** (`Authorization:` headers, `curl -u`, AWS secret keys): a regex
//!   finds the candidate, and a check on the captured value drops variables
//!   (`$TOKEN`, `${{ … }}`), placeholders and prose;
//! - **the generic rule**: `key|token|secret|password = "…"` whose value is long, mixes
//!   character classes and has high Shannon entropy. It is reported only on lines no
//!   other rule named, since the specific name is the more useful one.
//!
//! Each built-in rule also names keywords that any match contains (`ghp_`, `AIza`,
//! `authorization`), and all keywords form one [`RegexSet`]: text without them costs a
//! single pass, and only the rules whose keywords occur run their full pattern.

use std::sync::LazyLock;

use anyhow::Result;
use regex::{Captures, Regex, RegexSet};

use crate::error::hinted;

/// A rule: a name a person recognises and the pattern.
pub struct Rule {
    pub name: String,
    pub re: Regex,
}

/// One finding: which rule matched on which line. Never the matched text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Hit {
    /// The line of the entry file (or of the attachment), 1-based; 0 for a file name.
    pub line: usize,
    pub rule: String,
    /// Set when the hit is in one of the entry's attachments: its number (1-based, in
    /// name order). Attachments are named by number: the name may hold the secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment: Option<usize>,
}

impl Hit {
    /// Where the hit is, for people: `line 12`, `its file name`, `attachment 2, line 3`,
    /// `the name of attachment 1`.
    pub fn place(&self) -> String {
        match (self.attachment, self.line) {
            (None, 0) => "its file name".into(),
            (None, n) => format!("line {n}"),
            (Some(a), 0) => format!("the name of attachment {a}"),
            (Some(a), n) => format!("attachment {a}, line {n}"),
        }
    }
}

/// A test run on each match of a built-in rule; the match counts only when it passes.
type Check = fn(&Captures<'_>) -> bool;

/// A built-in rule with its optional check.
struct BuiltIn {
    rule: Rule,
    check: Option<Check>,
    /// Reported only on lines without any other hit (the generic rule).
    fallback: bool,
}

/// Left edge for short or word-like prefixes: line start or anything but a letter or a
/// digit, so `_` (`MY_KEY_sk-…`) and punctuation (`key=AKIA…`) glue, letters do not.
/// `\n` is excluded so a match never starts on the line before the token.
macro_rules! left {
    () => {
        r"(?:^|[^0-9A-Za-z\n])"
    };
}

/// Right edge for tokens over `[0-9A-Za-z]`: the token does not go on.
macro_rules! end {
    () => {
        r"(?:[^0-9A-Za-z]|$)"
    };
}

/// Right edge for tokens whose alphabet includes `_` and `-`.
macro_rules! end_ {
    () => {
        r"(?:[^0-9A-Za-z_-]|$)"
    };
}

/// The name of the generic rule (reported only where no specific rule hit).
const GENERIC: &str = "generic secret";

/// `(name, keywords, pattern, check)`; several entries may share a name (one rule,
/// several formats). `keywords` is a regex of literals that every match of `pattern`
/// contains (as gitleaks' keywords): all of them form the one-pass pre-filter. Every
/// pattern is compiled with `(?m)`, so `^` and `$` are line anchors.
const SPECS: &[(&str, &str, &str, Option<Check>)] = &[
    // PEM blocks of any kind of private key (PKCS#1/#8, EC, DSA, OpenSSH, encrypted,
    // PGP), in any letter case: the header alone already says what follows.
    (
        "private key block",
        r"(?i)-----begin",
        r"(?i)-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----",
        None,
    ),
    (
        "age secret key",
        r"(?i)age-secret-key-1",
        r"(?i)AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
        None,
    ),
    // Classic tokens: prefix + 36 base62 (ghp personal, gho OAuth, ghu user-to-server,
    // ghs server-to-server, ghr refresh); fine-grained: github_pat_ + 82 (22 + `_` + 59),
    // here from 22 on since a truncated one is still a leak.
    (
        "GitHub token",
        r"gh[pousr]_",
        concat!(r"gh[pousr]_[0-9A-Za-z]{36}", end!()),
        None,
    ),
    (
        "GitHub token",
        "github_pat_",
        r"github_pat_[0-9A-Za-z_]{22,}",
        None,
    ),
    (
        "GitLab token",
        r"gl(?:pat|dt|ft|rt|soat|ffct|agent|oas|imt|cbt|ptt)-|GR1348941",
        concat!(
            r"(?:gl(?:pat|dt|ft|rt|soat|ffct|agent|oas|imt)-[0-9A-Za-z_-]{20,}",
            r"|glcbt-[0-9A-Za-z]{1,5}_[0-9A-Za-z_-]{20,}|glptt-[0-9a-f]{40}",
            r"|GR1348941[0-9A-Za-z_-]{20})",
            end_!()
        ),
        None,
    ),
    // AWS's documentation uses a key id ending in EXAMPLE. gitleaks allowlists ids ending
    // in EXAMPLE; this scan does not: pasting even the example into a public entry is
    // rare, and blocking it is cheap (--allow-entry), while an allowlist by suffix is one
    // more way for a real-looking id to slip through. The same holds for secret keys.
    (
        "AWS access key id",
        r"A3T|AKIA|ASIA|ABIA|ACCA",
        concat!(
            left!(),
            r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}",
            end!()
        ),
        None,
    ),
    // A secret access key is 40 base64 characters with nothing distinctive in it: only
    // its name next to it tells it apart from any other 40 characters.
    (
        "AWS secret access key",
        r"(?i)secret",
        concat!(
            r#"(?i)(?:secret[_.-]?access[_.-]?key|aws[_.-]?secret(?:[_.-]?key)?)["'`]?"#,
            r#"(?:[ \t]*(?::=|=>|=|:)[ \t]*|[ \t]+)["'`]?(?P<v>[A-Za-z0-9/+]{40})"#,
            r"(?:[^A-Za-z0-9/+=]|$)"
        ),
        Some(check_aws_secret),
    ),
    (
        "Google API key",
        "AIza",
        concat!(r"AIza[0-9A-Za-z_-]{35}", end_!()),
        None,
    ),
    // OAuth client secrets and access tokens.
    (
        "Google OAuth credential",
        r"GOCSPX-|ya29\.",
        concat!(
            r"(?:GOCSPX-[0-9A-Za-z_-]{28}|ya29\.[0-9A-Za-z_-]{30,})",
            end_!()
        ),
        None,
    ),
    // Bot, user, app-level, legacy and configuration tokens: all carry numeric ids after
    // the type, which keeps prose ("xoxo-…") out.
    (
        "Slack token",
        "xox",
        r"xox[abeoprs]-(?:[0-9]+-)+[0-9A-Za-z-]{8,}",
        None,
    ),
    (
        "Slack token",
        r"(?i)xapp-",
        r"(?i)xapp-[0-9]-[A-Z0-9]+-[0-9]+-[a-z0-9]+",
        None,
    ),
    (
        "Slack webhook",
        r"hooks\.slack\.com/",
        r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{40,}",
        None,
    ),
    // Secret and restricted keys (live, test, prod) and webhook signing secrets.
    (
        "Stripe secret key",
        r"[sr]k_|whsec_",
        concat!(
            left!(),
            r"(?:[sr]k_(?:live|test|prod)_[0-9A-Za-z]{20,}|whsec_[0-9A-Za-z]{32,})",
            end!()
        ),
        Some(check_has_digit),
    ),
    (
        "Twilio API key",
        "SK",
        concat!(left!(), r"SK[0-9a-fA-F]{32}", end!()),
        None,
    ),
    (
        "SendGrid API key",
        r"SG\.",
        concat!(r"SG\.[0-9A-Za-z_-]{16,32}\.[0-9A-Za-z_-]{40,50}", end_!()),
        None,
    ),
    (
        "npm token",
        "npm_",
        concat!(r"npm_[0-9A-Za-z]{36}", end!()),
        None,
    ),
    // Upload tokens are macaroons whose base64 starts with the issuer (pypi.org or
    // test.pypi.org).
    (
        "PyPI token",
        "pypi-",
        r"pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[0-9A-Za-z_-]{50,}",
        None,
    ),
    (
        "Hugging Face token",
        "hf_|api_org_",
        concat!(r"(?:hf_|api_org_)(?P<v>[0-9A-Za-z]{34})", end!()),
        Some(check_mixed_case),
    ),
    // base64(user id) . base64(timestamp) . HMAC; the id's base64 starts with M, N or O.
    (
        "Discord bot token",
        concat!(left!(), r"[MNO][0-9A-Za-z_-]{23,25}\."),
        concat!(
            left!(),
            r"[MNO][0-9A-Za-z_-]{23,25}\.[0-9A-Za-z_-]{6}\.[0-9A-Za-z_-]{27,38}",
            r"(?:[^0-9A-Za-z_.-]|$)"
        ),
        Some(check_mixed_case),
    ),
    (
        "Discord webhook",
        "/webhooks/",
        r"discord(?:app)?\.com/api/(?:v[0-9]+/)?webhooks/[0-9]{17,20}/[0-9A-Za-z_-]{60,}",
        None,
    ),
    // Bot id, `:`, then 35 characters starting with AA. Letters may precede the id:
    // in API URLs the token is glued to `bot` (`/bot123456789:AA…/sendMessage`).
    (
        "Telegram bot token",
        ":AA",
        concat!(r"(?:^|[^0-9\n])[0-9]{5,16}:AA[0-9A-Za-z_-]{33}", end_!()),
        None,
    ),
    // Project, service-account and admin keys; the legacy format (sk- + 48 base62, with
    // T3BlbkFJ, base64 of "OpenAI", in the middle) is held to mixed case and digits so
    // that hex ids after `sk-` do not count.
    (
        "OpenAI API key",
        "sk-",
        concat!(left!(), r"sk-(?:proj|svcacct|admin)-[0-9A-Za-z_-]{40,}"),
        None,
    ),
    (
        "OpenAI API key",
        "sk-",
        concat!(left!(), r"sk-(?P<v>[0-9A-Za-z]{32,})", end!()),
        Some(check_mixed_classes),
    ),
    // api03 keys, admin01 keys, OAuth access and refresh tokens.
    (
        "Anthropic API key",
        "sk-ant-",
        r"sk-ant-[a-z]{2,8}[0-9]{2}-[0-9A-Za-z_-]{40,}",
        None,
    ),
    // Header (base64url of `{"…`), payload, signature; each long enough to be real.
    (
        "JWT",
        "eyJ",
        r"eyJ[0-9A-Za-z_-]{12,}\.[0-9A-Za-z_-]{12,}\.[0-9A-Za-z_-]{16,}",
        None,
    ),
    (
        "Authorization header",
        r"(?i)authorization",
        concat!(
            r#"(?i)\b(?:proxy-)?authorization["']?[ \t]*[:=][ \t]*["']?"#,
            r"(?:(?:bearer|basic|token|bot|apikey|api-key)[ \t]+)?",
            r"(?P<v>[A-Za-z0-9._~+/=-]{8,})"
        ),
        Some(check_header_value),
    ),
    (
        "curl credentials",
        "curl",
        concat!(
            r"\bcurl\b[^\n]*?[ \t](?:-u|--user)(?:=|[ \t]*)",
            r#"(?P<v>"[^"\n]*"|'[^'\n]*'|[^\s"'`]+)"#
        ),
        Some(check_curl_user),
    ),
    (
        "DigitalOcean token",
        "_v1_",
        concat!(r"do[opr]_v1_[0-9a-f]{64}", end!()),
        None,
    ),
    (
        "Shopify token",
        "shp",
        concat!(r"shp(?:at|ca|pa|ss)_[0-9a-fA-F]{32}", end!()),
        None,
    ),
    (
        "HashiCorp Vault token",
        r"hv[sb]\.",
        concat!(r"hv[sb]\.[0-9A-Za-z_-]{90,}", end_!()),
        None,
    ),
    (
        "Doppler token",
        r"dp\.",
        concat!(
            r"dp\.(?:pt|st|sa|ct|scim|audit)\.[0-9A-Za-z]{40,44}",
            end!()
        ),
        None,
    ),
    (
        "Databricks token",
        "dapi",
        concat!(left!(), r"dapi[0-9a-f]{32}(?:-[0-9])?", end!()),
        None,
    ),
    (
        "Postman API key",
        r"(?i)pmak-",
        concat!(r"(?i)PMAK-[0-9a-f]{24}-[0-9a-f]{34}", end!()),
        None,
    ),
    (
        "Linear API key",
        "lin_api_",
        concat!(r"lin_api_[0-9A-Za-z]{40}", end!()),
        None,
    ),
    (
        "Notion token",
        "ntn_",
        concat!(r"ntn_[0-9]{11}[0-9A-Za-z]{35}", end!()),
        None,
    ),
    (
        "Atlassian API token",
        "ATATT3",
        concat!(r"ATATT3[0-9A-Za-z_=-]{150,}", r"(?:[^0-9A-Za-z_=-]|$)"),
        None,
    ),
    (
        "Grafana token",
        "glsa_|eyJrIjoi",
        concat!(
            r"(?:glsa_[0-9A-Za-z]{32}_[0-9A-Fa-f]{8}|eyJrIjoi[0-9A-Za-z]{70,})",
            end!()
        ),
        None,
    ),
    (
        "Grafana token",
        "glc_",
        concat!(left!(), r"glc_[0-9A-Za-z+/]{32,}={0,3}"),
        None,
    ),
    (
        "Sentry token",
        "sntry",
        concat!(
            r"(?:sntryu_[0-9a-f]{64}|sntrys_eyJpYXQiO[0-9A-Za-z+/=_]{50,})",
            end!()
        ),
        None,
    ),
    (
        "Perplexity API key",
        "pplx-",
        concat!(r"pplx-[0-9A-Za-z]{48}", end!()),
        None,
    ),
    (
        "Groq API key",
        "gsk_",
        concat!(r"gsk_[0-9A-Za-z]{48,}", end!()),
        None,
    ),
    (
        "Heroku API key",
        "HRKU-AA",
        concat!(r"HRKU-AA[0-9A-Za-z_-]{58}", end_!()),
        None,
    ),
    (
        "Docker Hub token",
        "dckr_",
        concat!(r"dckr_(?:pat|oat)_[0-9A-Za-z_-]{27,}", end_!()),
        None,
    ),
    (
        "Tailscale key",
        "tskey-",
        concat!(
            r"tskey-(?:auth|api|client|scim|webhook)-[0-9A-Za-z]+-[0-9A-Za-z]{20,}",
            end!()
        ),
        None,
    ),
    (
        "RubyGems API key",
        "rubygems_",
        concat!(r"rubygems_[0-9a-f]{48}", end!()),
        None,
    ),
    (
        "Figma token",
        "figd_",
        concat!(r"figd_[0-9A-Za-z_-]{40,}", end_!()),
        None,
    ),
    (
        "PlanetScale token",
        "pscale_",
        concat!(r"pscale_(?:tkn|oauth|pw)_[0-9A-Za-z_.=-]{32,64}", end_!()),
        None,
    ),
    (
        "Mailchimp API key",
        "-us",
        concat!(left!(), r"[0-9a-f]{32}-us[0-9]{1,2}", end!()),
        None,
    ),
    (
        "crates.io token",
        "cio",
        concat!(left!(), r"cio(?P<v>[0-9A-Za-z]{32})", end!()),
        Some(check_mixed_classes),
    ),
    // `key|token|secret|password|… = value`, the name in any style (`api_key`, `API-KEY`,
    // `apiKey`, `"token"`), the value quoted or bare and ≥ 16 characters; the check does
    // the rest (entropy, character classes, placeholders, names that are not secrets).
    (
        GENERIC,
        r"(?i)key|token|secret|pass|pwd|credential|auth",
        concat!(
            r"(?i)(?P<key>[a-z0-9_.-]*(?:key|token|secret|passw(?:or)?d|pass|pwd|credentials?|auth)",
            r#"[a-z0-9_.-]*)["'`]?"#,
            // `=`, `:`, `:=`, `=>`, or a typed declaration (`const API_TOKEN: &str = "…"`,
            // `apiKey: string = "…"`)
            r"(?:(?P<typed>[ \t]*:[ \t]*&?(?:'static[ \t]+)?[a-z_][a-z0-9_:<>]*[ \t]*=)",
            r"|[ \t]*(?::=|=>|=|:))[ \t]*",
            r#"(?:"(?P<dq>[^"\n]{16,})"|'(?P<sq>[^'\n]{16,})'|`(?P<bq>[^`\n]{16,})`"#,
            // A bare value does not start like code (`key: &T`, `Token::X`, `a == b`) and
            // stops at `&` (the next query parameter).
            r#"|(?P<bare>[^\s"'`,;&:=*!|<>(){}\[\]][^\s"'`,;&]{15,})(?P<decl>[ \t]+=)?)"#
        ),
        Some(check_generic),
    ),
];

/// The built-in rules, in report order.
static BUILT_IN: LazyLock<Vec<BuiltIn>> = LazyLock::new(|| {
    SPECS
        .iter()
        .map(|&(name, _, re, check)| BuiltIn {
            rule: Rule {
                name: name.to_string(),
                re: Regex::new(&format!("(?m){re}")).expect("built-in rules are valid"),
            },
            check,
            fallback: name == GENERIC,
        })
        .collect()
});

/// The keywords of every built-in rule in one automaton: most entries contain none, so
/// they cost one pass, and only rules whose keywords occur run their full pattern. (A
/// set of the full patterns would be one pass too, but its DFA drowns in the bounded
/// repetitions of 50 token formats: measured about 100 times slower than this one.)
static KEYWORDS: LazyLock<RegexSet> = LazyLock::new(|| {
    // `(?m)` as for the patterns: a keyword may be anchored at a line start.
    RegexSet::new(
        SPECS
            .iter()
            .map(|&(_, keywords, _, _)| format!("(?m){keywords}")),
    )
    .expect("built-in keywords are valid")
});

/// Compile the keyword pre-filter now rather than at the first scan: `wol log` has it
/// done on another core while it reads its flags and its text (0.45 ms on the command's
/// own path before, for the file name's scan).
pub fn prepare() {
    LazyLock::force(&KEYWORDS);
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

/// Every rule (built-in, then `extra`) that matches `text`, with the line of each match,
/// in line order. The generic rule only speaks for lines no other rule named.
pub fn scan_text(text: &str, extra: &[Rule]) -> Vec<Hit> {
    let mut hits = Vec::new();
    let mut fallback = Vec::new();
    each_match(text, extra, |range, name, is_fallback| {
        let out = if is_fallback {
            &mut fallback
        } else {
            &mut hits
        };
        push(out, text, range.start, name);
    });
    for hit in fallback {
        if !hits.iter().any(|h| h.line == hit.line) {
            hits.push(hit);
        }
    }
    hits.sort_by_key(|h| h.line);
    hits
}

/// [`scan_text`] of an entry file, and of its body as Markdown renders it: character
/// references decoded (`ghp&#95;…`), backslash escapes gone (`ghp\_…`), emphasis joined
/// up (`CODE**NAME**X`). The site and the feeds carry the rendered text, so a secret
/// written in any of those ways leaves as surely as one written plainly. A hit in the
/// rendered text is reported at the line of the file its paragraph (heading, table
/// cell) starts on, plus the lines into it.
pub fn scan_entry(text: &str, extra: &[Rule]) -> Vec<Hit> {
    let mut hits = scan_text(text, extra);
    // A byte order mark before the front matter is read past, as the parser reads it.
    let unmarked = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Ok((_, body)) = crate::entry::split_front_matter(unmarked) else {
        return hits;
    };
    let before = text.len() - body.len();
    let first = text[..before].matches('\n').count() + 1;
    for hit in scan_rendered(body, extra) {
        let hit = Hit {
            line: hit.line + first - 1,
            ..hit
        };
        if !hits
            .iter()
            .any(|h| h.rule == hit.rule && h.line == hit.line)
        {
            hits.push(hit);
        }
    }
    hits.sort_by_key(|h| h.line);
    hits
}

/// [`scan_text`] of each paragraph, heading and table cell of `markdown` as it renders
/// (its text, and apart from it its link and image addresses and titles), lines
/// counted from the start of `markdown`.
fn scan_rendered(markdown: &str, extra: &[Rule]) -> Vec<Hit> {
    use comrak::nodes::NodeValue;
    let arena = comrak::Arena::new();
    let root = comrak::parse_document(&arena, markdown, &crate::site::markdown_options());
    let mut hits = Vec::new();
    for block in root.descendants() {
        let line = {
            let ast = block.data.borrow();
            if !matches!(
                ast.value,
                NodeValue::Paragraph | NodeValue::Heading(_) | NodeValue::TableCell
            ) {
                continue;
            }
            ast.sourcepos.start.line
        };
        let (mut shown, mut addresses) = (String::new(), String::new());
        for node in block.descendants().skip(1) {
            match &node.data.borrow().value {
                NodeValue::Text(t) => shown.push_str(t),
                NodeValue::Code(code) => shown.push_str(&code.literal),
                NodeValue::SoftBreak | NodeValue::LineBreak => shown.push('\n'),
                NodeValue::Link(link) | NodeValue::Image(link) => {
                    addresses.push_str(&link.url);
                    addresses.push('\n');
                    addresses.push_str(&link.title);
                    addresses.push('\n');
                }
                _ => {}
            }
        }
        let addressed = scan_text(&addresses, extra)
            .into_iter()
            .map(|h| Hit { line: 1, ..h });
        for hit in scan_text(&shown, extra).into_iter().chain(addressed) {
            hits.push(Hit {
                line: line + hit.line - 1,
                ..hit
            });
        }
    }
    hits
}

/// `text` with everything a rule matches replaced by `***`: how a flagged title or file
/// name may be shown (the rest of it still tells the person which entry it is).
pub fn redact(text: &str, extra: &[Rule]) -> String {
    let mut ranges = Vec::new();
    each_match(text, extra, |range, _, _| ranges.push(range));
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in ranges {
        if r.end <= at {
            continue;
        }
        out.push_str(&text[at..r.start.max(at)]);
        out.push_str("***");
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Call `found(byte range, rule name, is the generic fallback rule)` for every match.
fn each_match(
    text: &str,
    extra: &[Rule],
    mut found: impl FnMut(std::ops::Range<usize>, &str, bool),
) {
    // One pass tells which built-in rules may match; only those run.
    for i in KEYWORDS.matches(text).iter() {
        let b = &BUILT_IN[i];
        match b.check {
            None => {
                for m in b.rule.re.find_iter(text) {
                    if !is_filler(m.as_str()) {
                        found(m.range(), &b.rule.name, b.fallback);
                    }
                }
            }
            Some(check) => {
                for c in b.rule.re.captures_iter(text) {
                    let m = c.get(0).expect("group 0 always matches");
                    if !is_filler(m.as_str()) && check(&c) {
                        found(m.range(), &b.rule.name, b.fallback);
                    }
                }
            }
        }
    }
    // The journal's own rules are taken as written.
    for rule in extra {
        for m in rule.re.find_iter(text) {
            found(m.range(), &rule.name, false);
        }
    }
}

/// Record that rule `name` matched at byte `start` of `text`, once per line.
fn push(out: &mut Vec<Hit>, text: &str, start: usize, name: &str) {
    let hit = Hit {
        line: text[..start].bytes().filter(|&b| b == b'\n').count() + 1,
        rule: name.to_string(),
        attachment: None,
    };
    if !out.contains(&hit) {
        out.push(hit);
    }
}

/// A documented placeholder such as `ghp_xxxx…`, `AKIAXXXXXXXXXXXXXXXX` or Slack's
/// `…/XXXXXXXXXXXXXXXXXXXXXXXX`: the longest alphanumeric run is mostly one character,
/// which no generated token is.
fn is_filler(matched: &str) -> bool {
    let run = matched
        .split(|c: char| !c.is_ascii_alphanumeric())
        .max_by_key(|s| s.len())
        .unwrap_or("");
    if run.len() < 8 {
        return false;
    }
    let mut counts = [0usize; 128];
    for b in run.bytes() {
        counts[usize::from(b)] += 1;
    }
    counts.iter().max().copied().unwrap_or(0) * 4 >= run.len() * 3
}

/// Shannon entropy of `s` in bits per character (over bytes: the values checked are
/// ASCII, and anything else only needs to count as "different").
fn entropy(s: &str) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[usize::from(b)] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Which of lower case, upper case, digits and other characters `s` has.
struct Classes {
    lower: bool,
    upper: bool,
    digit: bool,
    other: bool,
}

impl Classes {
    fn of(s: &str) -> Self {
        Classes {
            lower: s.bytes().any(|b| b.is_ascii_lowercase()),
            upper: s.bytes().any(|b| b.is_ascii_uppercase()),
            digit: s.bytes().any(|b| b.is_ascii_digit()),
            other: s.bytes().any(|b| !b.is_ascii_alphanumeric()),
        }
    }

    fn count(&self) -> usize {
        [self.lower, self.upper, self.digit, self.other]
            .iter()
            .filter(|&&x| x)
            .count()
    }
}

/// Letters and `_.-` only: a word, an identifier or a constant's name, not a secret
/// (gitleaks' generic allowlist `^[a-zA-Z_.-]+$`).
fn wordish(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphabetic() || matches!(b, b'_' | b'.' | b'-'))
}

/// A variable, template, command substitution or placeholder instead of a value:
/// `$TOKEN`, `${X}`, `${{ secrets.X }}`, `%X%`, `$(cmd)`, `<your token>`, `YOUR_KEY`,
/// `xxxx`, `****`, `changeme`, `example`, `redacted`.
fn placeholder(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "example",
        "placeholder",
        "changeme",
        "change_me",
        "changeit",
        "your",
        "xxxx",
        "****",
        "....",
        "redacted",
        "dummy",
        "os.environ",
        "getenv",
        "process.env",
    ];
    let lower = s.to_ascii_lowercase();
    s.starts_with(['$', '%', '<', '{', '['])
        || s.contains("${")
        || s.contains("$(")
        || s.contains("{{")
        || s.contains('<')
        || WORDS.iter().any(|w| lower.contains(w))
}

/// The named group `v`, or the whole match.
fn value<'t>(c: &Captures<'t>) -> &'t str {
    c.name("v").or_else(|| c.get(0)).map_or("", |m| m.as_str())
}

/// Stripe keys: a generated key has digits, an identifier like `sk_test_suite…` has not.
fn check_has_digit(c: &Captures<'_>) -> bool {
    Classes::of(value(c)).digit
}

/// Both cases: a generated token, not a long lower-case identifier.
fn check_mixed_case(c: &Captures<'_>) -> bool {
    let k = Classes::of(value(c));
    k.lower && k.upper
}

/// Lower, upper and digits: a generated base62 string, not an id or a word.
fn check_mixed_classes(c: &Captures<'_>) -> bool {
    let k = Classes::of(value(c));
    k.lower && k.upper && k.digit
}

/// 40 characters after an AWS secret key's name: random, not `xxxx…` or `0000…`. No
/// placeholder words: like key ids, secrets ending in EXAMPLE are not allowlisted.
fn check_aws_secret(c: &Captures<'_>) -> bool {
    entropy(value(c)) >= 3.5
}

/// `Authorization: Bearer <value>`: a token, not `$TOKEN`, `YOUR_TOKEN` or prose.
fn check_header_value(c: &Captures<'_>) -> bool {
    let v = value(c);
    v.len() >= 8 && !wordish(v) && !placeholder(v) && entropy(v) >= 3.0
}

/// `curl -u user:password`: a password that is neither a variable nor a stock
/// placeholder; or (`-u key:`) a user name that is itself a token.
fn check_curl_user(c: &Captures<'_>) -> bool {
    const STOCK: &[&str] = &[
        "pass",
        "password",
        "passwd",
        "pwd",
        "secret",
        "test",
        "token",
        "changeme",
        "changeit",
        "x-oauth-basic",
    ];
    let v = value(c).trim_matches(|c| c == '"' || c == '\'');
    let Some((user, pass)) = v.split_once(':') else {
        return false; // curl asks for the password
    };
    if pass.is_empty() {
        return plausible_secret(user);
    }
    !placeholder(pass)
        && !STOCK.contains(&pass.to_ascii_lowercase().as_str())
        && pass.bytes().any(|b| b != pass.as_bytes()[0])
}

/// A long random-looking value: what the generic rule asks of a value.
fn plausible_secret(v: &str) -> bool {
    let k = Classes::of(v);
    (16..=512).contains(&v.len())
        // words with spaces are a passphrase example or prose, not a generated secret
        && !v.bytes().any(|b| b.is_ascii_whitespace())
        && !wordish(v)
        && !placeholder(v)
        // paths and URLs are not secrets
        && !v.starts_with(['/', '~', '.'])
        && !v.contains("://")
        && k.count() >= 2
        && (k.digit || k.other)
        && entropy(v) >= 3.5
}

/// Key names that contain `key`, `token`, `pass`, `auth`… but do not hold a secret:
/// public keys, ids, names, paths, URLs, lengths, database and cache keys, words.
static NOT_A_SECRET_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)public|(?:^|[_.-])pub(?:[_.-]|key|$)|author|keyboard|monkey|donkey|turkey",
        r"|hockey|whiskey|keystroke|hotkey|keyword|bypass|compass|passage|passport|passenger",
        r"|csrf|(?:cache|primary|foreign|sort|partition|idempotency|lookup|object|storage",
        r"|bucket|redis|map|dict|hash|group|row|column|index|idx|translation|i18n|unique",
        r"|composite|natural|sequence|schema)[_.-]?key",
        r"|(?:key|token|secret|passw(?:or)?d|pass|auth)[_.-]?(?:ids?|names?|paths?|files?",
        r"|dirs?|urls?|uris?|endpoints?|types?|length|len|size|count|version|expiry|expires",
        r"|ttl|prefix|suffix|format|hash|alg(?:orithm)?|field|location)$"
    ))
    .expect("valid")
});

/// The generic rule: a name that may hold a secret, and a value that looks like one.
fn check_generic(c: &Captures<'_>) -> bool {
    let key = c.name("key").map_or("", |m| m.as_str());
    if NOT_A_SECRET_NAME.is_match(key) {
        return false;
    }
    if let Some(bare) = c.name("bare") {
        // Unquoted, a value with a path or brackets is code (`a::B`, `f(x)`, `v[i]`),
        // and so is a type annotation (`NAME: some_type = …`, `NAME: T = IDENT`);
        // secrets in code are quoted.
        let v = bare.as_str();
        return c.name("decl").is_none()
            && c.name("typed").is_none()
            && !v.contains("::")
            && !v.contains(['(', ')', '[', ']', '{', '}'])
            && plausible_secret(v);
    }
    let v = ["dq", "sq", "bq"]
        .iter()
        .find_map(|g| c.name(g))
        .map_or("", |m| m.as_str());
    plausible_secret(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `rule<TAB>text` lines of made-up tokens; lines without a TAB are comments.
    const POSITIVE: &str = include_str!("../../tests/fixtures/secrets/positive.txt");
    /// Known non-secrets, every line of which (comments too) must scan clean.
    const NEGATIVE: &str = include_str!("../../tests/fixtures/secrets/negative.txt");

    fn positives() -> Vec<(&'static str, &'static str)> {
        POSITIVE
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .collect()
    }

    fn hit(line: usize, rule: &str) -> Hit {
        Hit {
            line,
            rule: rule.to_string(),
            attachment: None,
        }
    }

    #[test]
    fn an_entry_is_scanned_as_written_and_as_rendered() {
        let never = compile_never(&["CODENAMEX".to_string()]).unwrap();
        for text in [
            "+++\ntitle = \"a\"\n+++\n\nOne\n\nProject CODE**NAME**X starts.\n",
            "\u{feff}+++\r\ntitle = \"a\"\r\n+++\r\n\r\nOne\r\n\r\nProject CODENAM&#69;X starts.\r\n",
        ] {
            let hits = scan_entry(text, &never);
            assert_eq!(hits.len(), 1, "{text:?}: {hits:?}");
            assert_eq!(hits[0].line, 7, "{text:?}: {hits:?}");
        }
        assert!(scan_entry("+++\ntitle = \"a\"\n+++\n\nCODE NAME X\n", &never).is_empty());
    }

    #[test]
    fn every_positive_line_is_found_by_its_rule_on_line_1() {
        let mut failures = Vec::new();
        for (rule, text) in positives() {
            let hits = scan_text(text, &[]);
            if !hits.contains(&hit(1, rule)) || hits.iter().any(|h| h.line != 1) {
                failures.push(format!("{rule}: {text:?} → {hits:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn a_positive_text_at_the_start_of_a_later_line_is_found_there() {
        let mut failures = Vec::new();
        for (rule, text) in positives() {
            let hits = scan_text(&format!("first line\n{text}\nlast line"), &[]);
            if !hits.contains(&hit(2, rule)) || hits.iter().any(|h| h.line != 2) {
                failures.push(format!("{rule}: {text:?} → {hits:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn the_whole_positive_file_names_each_line() {
        let hits = scan_text(POSITIVE, &[]);
        for (i, line) in POSITIVE.lines().enumerate() {
            if let Some((rule, _)) = line.split_once('\t') {
                assert!(hits.contains(&hit(i + 1, rule)), "line {}: {line}", i + 1);
            }
        }
    }

    #[test]
    fn every_built_in_rule_has_a_positive_line() {
        let named: Vec<&str> = positives().iter().map(|(r, _)| *r).collect();
        for (name, _, _, _) in SPECS {
            assert!(named.contains(name), "no positive line for {name:?}");
        }
        assert!(positives().len() >= 100);
    }

    #[test]
    fn every_match_contains_its_rules_keywords() {
        // The pre-filter only works if no match can do without its keywords.
        for (b, &(name, keywords, _, _)) in BUILT_IN.iter().zip(SPECS) {
            let keywords = Regex::new(keywords).unwrap();
            for (_, text) in positives() {
                for m in b.rule.re.find_iter(text) {
                    assert!(keywords.is_match(m.as_str()), "{name}: {text}");
                }
            }
        }
    }

    #[test]
    fn no_negative_line_trips() {
        let mut failures = Vec::new();
        for line in NEGATIVE.lines() {
            let hits = scan_text(line, &[]);
            if !hits.is_empty() {
                failures.push(format!("{line:?} → {hits:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert_eq!(scan_text(NEGATIVE, &[]), []);
        assert!(NEGATIVE.lines().count() >= 70);
    }

    #[test]
    fn a_report_never_contains_the_matched_text() {
        for (rule, text) in positives() {
            let hits = scan_text(text, &[]);
            let report = serde_json::to_string(&hits).unwrap();
            // The secret is the longest token-like run of each made-up line; no ten
            // characters of it may appear in the report.
            let secret = text
                .split(|c: char| !(c.is_ascii_alphanumeric() || "_+/=.-".contains(c)))
                .max_by_key(|s| s.len())
                .unwrap();
            assert!(secret.len() >= 10, "{rule}: {text}");
            for window in secret.as_bytes().windows(10) {
                let window = std::str::from_utf8(window).unwrap();
                assert!(!report.contains(window), "{rule}: {report}");
            }
        }
    }

    #[test]
    fn the_generic_rule_only_speaks_for_lines_nothing_else_named() {
        let text = format!(
            "token = \"ghp_{}\"\napi_key = \"Fake0123456789abcdefghij\"\n",
            "FAKE0".repeat(7) + "F"
        );
        assert_eq!(
            scan_text(&text, &[]),
            [hit(1, "GitHub token"), hit(2, GENERIC)]
        );
    }

    #[test]
    fn the_generic_rule_wants_entropy_mixed_classes_and_no_placeholder() {
        for (value, trips) in [
            ("Fake0123456789abcdefghij", true),
            ("fa4e0123456789abcdef0123", true),
            ("aaaaaaaaaaaaaaaaaaaaaaaa", false),
            ("abababababababab12121212", false),
            ("CorrectHorseBatteryStaple", false),
            ("correct horse battery staple 42", false),
            ("${VAULT_SECRET_FOR_PROD_1}", false),
            ("<paste-your-token-here-123>", false),
            ("example-0123456789-ABCDEFG", false),
            ("/var/run/secrets/token-1234", false),
        ] {
            let line = format!("secret = \"{value}\"");
            assert_eq!(!scan_text(&line, &[]).is_empty(), trips, "{line}");
        }
    }

    #[test]
    fn entropy_is_bits_per_character() {
        assert_eq!(entropy(""), 0.0);
        assert_eq!(entropy("aaaa"), 0.0);
        assert!((entropy("abcd") - 2.0).abs() < 1e-9);
        assert!((entropy("aabb") - 1.0).abs() < 1e-9);
    }

    #[test]
    fn the_documented_aws_example_key_id_trips() {
        // Consistent with the comment on the rule: example ids are not allowlisted.
        let id = "AKIA".to_owned() + "IOSFODNN7EXAMPLE";
        assert_eq!(scan_text(&id, &[]), [hit(1, "AWS access key id")]);
    }

    #[test]
    fn aws_secret_keys_ending_in_example_are_not_allowlisted_either() {
        let line = format!(
            "aws_secret_access_key = Fake0123456789abcdefghijKLMNOP{}",
            "EXAMPLEKEY"
        );
        assert_eq!(scan_text(&line, &[]), [hit(1, "AWS secret access key")]);
        let filler = format!("aws_secret_access_key = {}", "x".repeat(40));
        assert_eq!(scan_text(&filler, &[]), []);
    }

    #[test]
    fn hits_carry_the_line_and_never_rules_apply() {
        let never = compile_never(&["INTERNAL-ONLY".to_string()]).unwrap();
        let text = format!("a\nb INTERNAL-ONLY\nc AKIA{}\n", "FAKE0".repeat(3) + "F");
        assert_eq!(
            scan_text(&text, &never),
            [
                hit(2, "[publish] never pattern #1"),
                hit(3, "AWS access key id")
            ]
        );
    }

    #[test]
    fn a_never_pattern_is_named_by_position_never_by_its_text() {
        let never =
            compile_never(&["Bluebird".to_string(), "(?i)project-kestrel".to_string()]).unwrap();
        assert_eq!(never[0].name, "[publish] never pattern #1");
        assert_eq!(never[1].name, "[publish] never pattern #2");
        let hits = scan_text("we shipped Project-Kestrel today", &never);
        assert_eq!(hits, [hit(1, "[publish] never pattern #2")]);
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
