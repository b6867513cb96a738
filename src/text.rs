//! Text that reaches a terminal or a one-line message: the one escaping
//! function for bytes that came from outside (DNS, HTTP, certificates,
//! CSRs), and the one way durations are written.
//!
//! Escaping lives in one place so that every path a hostile value can take
//! to the screen goes through the same rules: C0/C1 controls (ESC, BEL, CR…)
//! would let it rewrite the terminal, and bidi overrides and zero-width
//! characters would let it show one text while meaning another.

use std::fmt::Write;
use std::time::Duration;

/// True for characters a terminal must not receive raw: controls, bidi
/// embeddings/overrides/isolates and marks, zero-width and other invisible
/// format characters, and line/paragraph separators.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}'                  // soft hyphen
            | '\u{061C}'                // Arabic letter mark
            | '\u{180E}'                // Mongolian vowel separator
            | '\u{200B}'..='\u{200F}'   // zero-width space/joiners, LRM, RLM
            | '\u{2028}'..='\u{202E}'   // separators, LRE RLE PDF LRO RLO
            | '\u{2060}'..='\u{206F}'   // word joiner, invisible operators, LRI RLI FSI PDI
            | '\u{FEFF}'                // zero-width no-break space (BOM)
            | '\u{FFF9}'..='\u{FFFB}'   // interlinear annotations
        )
}

/// `s` with every unsafe character written as a Rust escape (`\u{1b}`).
pub fn printable(s: &str) -> String {
    printable_max(s, usize::MAX)
}

/// At most `max` characters of `s` (then `…`), unsafe characters escaped.
pub fn printable_max(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max.saturating_add(8)));
    for (i, c) in s.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if is_unsafe(c) {
            let _ = write!(out, "{}", c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A duration as people write timeouts: `5s`, `0.5s`.
pub fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}s")
    } else {
        format!("{s:.1}s")
    }
}

/// A longer duration as people say it: `45s`, `2m05s`, `1h20m`.
pub fn duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 60 {
        seconds(Duration::from_millis(d.as_millis() as u64 / 100 * 100))
    } else if secs < 3600 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{}h{:02}m", secs / 3600, secs % 3600 / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_escaped() {
        assert_eq!(printable("a\x1b]0;t\x07b"), "a\\u{1b}]0;t\\u{7}b");
        assert_eq!(printable("evil\u{202E}gpj.exe"), "evil\\u{202e}gpj.exe");
        assert_eq!(printable("x\u{2066}y\u{200B}z"), "x\\u{2066}y\\u{200b}z");
        assert_eq!(printable("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(printable("bücher.example"), "bücher.example");
        assert_eq!(printable("tab\there"), "tab\\there");
    }

    #[test]
    fn bounded() {
        assert_eq!(printable_max(&"x".repeat(10), 4), "xxxx…");
        assert_eq!(printable_max("abc", 3), "abc");
    }

    #[test]
    fn seconds_words() {
        assert_eq!(seconds(Duration::from_secs(5)), "5s");
        assert_eq!(seconds(Duration::from_millis(500)), "0.5s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5s");
        assert_eq!(duration(Duration::from_millis(1560)), "1.5s");
        assert_eq!(duration(Duration::from_secs(125)), "2m05s");
        assert_eq!(duration(Duration::from_secs(4800)), "1h20m");
    }
}
