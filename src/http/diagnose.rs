//! Pure diagnosis of a served body: compares what a server sent with the
//! exact body expected and names the difference a person can fix (a trailing
//! newline, CRLF, a BOM, whitespace, letter case, another CSR, tag or token,
//! an HTML page). No I/O; every case is unit-tested below.

use std::fmt::Write as _;

use crate::text;

/// What a URL must serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// The exact bytes that pass.
    pub body: String,
    /// The parts of a BR 3.2.2.4.18 file, when the body is one (not for a
    /// portal's `--url --expect`): they let a wrong body be explained as
    /// another CSR's, another tag or another uniqueValue.
    pub file: Option<FileParts>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileParts {
    pub md5: String,
    pub sha256: String,
    pub tag: String,
    pub token: Option<String>,
}

impl Expected {
    /// A CSR's validation file: `<SHA256>\n<tag>[\n<token>]`.
    pub fn file(md5: &str, sha256: &str, tag: &str, token: Option<&str>) -> Expected {
        let mut body = format!("{sha256}\n{tag}");
        if let Some(t) = token {
            body.push('\n');
            body.push_str(t);
        }
        Expected {
            body,
            file: Some(FileParts {
                md5: md5.to_owned(),
                sha256: sha256.to_owned(),
                tag: tag.to_owned(),
                token: token.map(str::to_owned),
            }),
        }
    }

    /// A body handed out by a portal, compared as is.
    pub fn body(body: &str) -> Expected {
        Expected {
            body: body.to_owned(),
            file: None,
        }
    }
}

/// A difference that a CA will not forgive but a person cannot see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cosmetic {
    Utf16,
    Bom,
    Crlf,
    TrailingNewline,
    Whitespace,
    LetterCase,
}

impl Cosmetic {
    fn describe(self) -> &'static str {
        match self {
            Cosmetic::Utf16 => "UTF-16 encoding",
            Cosmetic::Bom => "a UTF-8 byte order mark (BOM)",
            Cosmetic::Crlf => "CRLF line ends",
            Cosmetic::TrailingNewline => "a trailing newline",
            Cosmetic::Whitespace => "surrounding whitespace",
            Cosmetic::LetterCase => "letter case",
        }
    }

    fn fix(self, is_file: bool) -> &'static str {
        match self {
            Cosmetic::LetterCase if !is_file => "match the letter case exactly",
            Cosmetic::Utf16 => "save it as UTF-8 (plain ASCII)",
            Cosmetic::Bom => "save it without a BOM",
            Cosmetic::Crlf => "use LF line ends",
            Cosmetic::TrailingNewline => "remove the newline at the end",
            Cosmetic::Whitespace => "remove spaces, tabs and blank lines around the lines",
            Cosmetic::LetterCase => "keep the hash in upper case and the tag as given",
        }
    }
}

/// Why a 200 response's body does not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyProblem {
    /// Equal to the expected body once these differences are undone.
    Cosmetic(Vec<Cosmetic>),
    Empty,
    /// A web page where a text file belongs; its `<title>` when it has one.
    Html {
        title: Option<String>,
    },
    /// The first line is a SHA-256, but not this CSR's.
    OtherCsr {
        found: String,
    },
    /// The first line is the MD5 (the file name) instead of the SHA-256.
    Md5AsBody,
    MissingTag {
        expected: String,
    },
    /// Blank lines between the hash and the tag (or the tag and the token).
    BlankLine,
    OtherTag {
        found: String,
        expected: String,
    },
    MissingToken {
        expected: String,
    },
    UnexpectedToken {
        found: String,
    },
    OtherToken {
        found: String,
        expected: String,
    },
    ExtraLines {
        count: usize,
    },
    Different {
        found: String,
        expected: String,
    },
}

impl BodyProblem {
    /// One line saying what is wrong with the body.
    pub fn detail(&self) -> String {
        match self {
            BodyProblem::Cosmetic(list) => format!(
                "the body differs from the expected one only by {}",
                join_words(list.iter().map(|c| c.describe()))
            ),
            BodyProblem::Empty => "the body is empty".into(),
            BodyProblem::Html { title: Some(t) } => {
                format!("an HTML page (title {t:?}) where the text file belongs")
            }
            BodyProblem::Html { title: None } => "an HTML page where the text file belongs".into(),
            BodyProblem::OtherCsr { found } => format!(
                "the body is another CSR's file (its SHA-256 starts {}…)",
                &found[..found.len().min(16)]
            ),
            BodyProblem::Md5AsBody => {
                "the first line is the MD5 (the file name), not the SHA-256".into()
            }
            BodyProblem::MissingTag { expected } => {
                format!("the CA tag line is missing (expected {expected:?})")
            }
            BodyProblem::BlankLine => {
                "a blank line separates the lines of the file (the hash, then the CA tag on the very next line)".into()
            }
            BodyProblem::OtherTag { found, expected } => {
                format!("the CA tag is {found:?}, expected {expected:?}")
            }
            BodyProblem::MissingToken { expected } => {
                format!("the uniqueValue line is missing (expected {expected:?})")
            }
            BodyProblem::UnexpectedToken { found } => format!(
                "the body has a uniqueValue line {found:?} but no token was given (--token / DCV_TOKEN)"
            ),
            BodyProblem::OtherToken { found, expected } => {
                format!("the uniqueValue is {found:?}, expected {expected:?}")
            }
            BodyProblem::ExtraLines { count } => {
                format!("the body has {count} extra line(s) after the expected ones")
            }
            BodyProblem::Different { found, expected } => {
                format!("the body is \"{found}\", expected \"{expected}\"")
            }
        }
    }

    /// What to do about it.
    pub fn hint(&self, is_file: bool) -> String {
        let rewrite = if is_file {
            "`dcv file --write WEBROOT` writes the exact file"
        } else {
            "serve exactly the value the CA's portal gave"
        };
        match self {
            BodyProblem::Cosmetic(list) => format!(
                "CAs compare the bytes exactly: {}; {rewrite}",
                list.iter().map(|c| c.fix(is_file)).collect::<Vec<_>>().join(", ")
            ),
            BodyProblem::Empty => format!("the file exists but is empty; {rewrite}"),
            BodyProblem::Html { .. } => "the server answers this path with a web page (a soft 404, a login, \
                 maintenance or parking page, or a CMS that catches every path): serve the file itself, \
                 e.g. nginx `location ^~ /.well-known/pki-validation/ { root WEBROOT; }`"
                .into(),
            BodyProblem::OtherCsr { .. } => format!(
                "the file was made for a different CSR (re-generated key or CSR?); {rewrite} for the CSR you order with"
            ),
            BodyProblem::Md5AsBody => format!("the body starts with the SHA-256, not the MD5; {rewrite}"),
            BodyProblem::BlankLine => format!(
                "remove the empty line: CAs compare the bytes exactly, one line break between the lines; {rewrite}"
            ),
            BodyProblem::MissingTag { .. } | BodyProblem::OtherTag { .. } => format!(
                "the second line names the CA (--ca / --ca-tag must match what the order uses); {rewrite}"
            ),
            BodyProblem::MissingToken { .. }
            | BodyProblem::UnexpectedToken { .. }
            | BodyProblem::OtherToken { .. } => format!(
                "the third line is the uniqueValue sent with the order; check --token / DCV_TOKEN; {rewrite}"
            ),
            BodyProblem::ExtraLines { .. } | BodyProblem::Different { .. } => rewrite.to_owned(),
        }
    }
}

/// `None` when `body` is exactly the expected one; otherwise the most
/// useful explanation. `content_type` helps recognise HTML.
pub fn diagnose(
    body: &[u8],
    content_type: Option<&str>,
    expected: &Expected,
) -> Option<BodyProblem> {
    let want = expected.body.as_str();
    if body == want.as_bytes() {
        return None;
    }
    if body.is_empty() {
        return Some(BodyProblem::Empty);
    }

    // Undo the invisible differences one by one, noting each that applied.
    let mut found = Vec::new();
    let mut text = match decode(body) {
        Decoded::Utf8(s) => s,
        Decoded::Bom(s) => {
            found.push(Cosmetic::Bom);
            s
        }
        Decoded::Utf16(s) => {
            found.push(Cosmetic::Utf16);
            s
        }
        Decoded::Binary => {
            return Some(BodyProblem::Different {
                found: preview(&String::from_utf8_lossy(body)),
                expected: preview(want),
            });
        }
    };
    if text.contains('\r') {
        text = text.replace("\r\n", "\n");
        found.push(Cosmetic::Crlf);
    }
    if text == want {
        return Some(BodyProblem::Cosmetic(found));
    }
    if text.strip_suffix('\n') == Some(want) {
        found.push(Cosmetic::TrailingNewline);
        return Some(BodyProblem::Cosmetic(found));
    }
    let lines = trimmed_lines(&text);
    let joined = lines.join("\n");
    let mut cosmetic = found.clone();
    if text.strip_suffix('\n') == Some(joined.as_str()) {
        cosmetic.push(Cosmetic::TrailingNewline);
    } else if joined != text {
        cosmetic.push(Cosmetic::Whitespace);
    }
    if joined == want {
        return Some(BodyProblem::Cosmetic(cosmetic));
    }
    if joined.eq_ignore_ascii_case(want) {
        cosmetic.push(Cosmetic::LetterCase);
        return Some(BodyProblem::Cosmetic(cosmetic));
    }

    if looks_like_html(&text, content_type) {
        return Some(BodyProblem::Html {
            title: html_title(&text),
        });
    }
    if let Some(parts) = &expected.file
        && let Some(problem) = file_problem(&lines, parts)
    {
        return Some(problem);
    }
    Some(BodyProblem::Different {
        found: preview(&text),
        expected: preview(want),
    })
}

/// Explains a body that is not the expected file by its lines.
fn file_problem(lines: &[&str], want: &FileParts) -> Option<BodyProblem> {
    let first = *lines.first()?;
    if first.eq_ignore_ascii_case(&want.md5) {
        return Some(BodyProblem::Md5AsBody);
    }
    if first.len() == 64 && first.bytes().all(|b| b.is_ascii_hexdigit()) {
        if !first.eq_ignore_ascii_case(&want.sha256) {
            return Some(BodyProblem::OtherCsr {
                found: first.to_ascii_uppercase(),
            });
        }
    } else {
        return None;
    }
    // The same lines with the blank ones dropped are the file: a blank line.
    if lines.iter().any(|l| l.is_empty()) {
        let packed: Vec<&str> = lines.iter().copied().filter(|l| !l.is_empty()).collect();
        if file_problem(&packed, want).is_none() {
            return Some(BodyProblem::BlankLine);
        }
    }
    match lines.get(1) {
        None => {
            return Some(BodyProblem::MissingTag {
                expected: want.tag.clone(),
            });
        }
        Some(tag) if !tag.eq_ignore_ascii_case(&want.tag) => {
            return Some(BodyProblem::OtherTag {
                found: text::printable_max(tag, 64),
                expected: want.tag.clone(),
            });
        }
        Some(_) => {}
    }
    let expected_lines = 2 + usize::from(want.token.is_some());
    match (lines.get(2), &want.token) {
        (None, Some(t)) => {
            return Some(BodyProblem::MissingToken {
                expected: t.clone(),
            });
        }
        (Some(found), None) => {
            return Some(BodyProblem::UnexpectedToken {
                found: text::printable_max(found, 32),
            });
        }
        (Some(found), Some(t)) if found != t => {
            return Some(BodyProblem::OtherToken {
                found: text::printable_max(found, 32),
                expected: t.clone(),
            });
        }
        _ => {}
    }
    if lines.len() > expected_lines {
        return Some(BodyProblem::ExtraLines {
            count: lines.len() - expected_lines,
        });
    }
    None
}

enum Decoded {
    Utf8(String),
    Bom(String),
    Utf16(String),
    Binary,
}

fn decode(body: &[u8]) -> Decoded {
    if let Some(rest) = body.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(s) => Decoded::Bom(s.to_owned()),
            Err(_) => Decoded::Binary,
        };
    }
    // Windows Notepad's "Unicode" is UTF-16 with a BOM.
    let utf16 = |rest: &[u8], le: bool| {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_or(Decoded::Binary, Decoded::Utf16)
    };
    if let Some(rest) = body.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, true);
    }
    if let Some(rest) = body.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, false);
    }
    match std::str::from_utf8(body) {
        Ok(s) => Decoded::Utf8(s.to_owned()),
        Err(_) => Decoded::Binary,
    }
}

/// Lines with surrounding whitespace removed and blank lines at either end dropped.
fn trimmed_lines(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text.split('\n').map(str::trim).collect();
    let start = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(start, |i| i + 1);
    lines[start..end].to_vec()
}

/// A body is HTML when the server says so or it starts like a page.
pub fn looks_like_html(text: &str, content_type: Option<&str>) -> bool {
    if content_type.is_some_and(|ct| {
        let ct = ct.trim_start().to_ascii_lowercase();
        ct.starts_with("text/html") || ct.starts_with("application/xhtml")
    }) {
        return true;
    }
    let head: String = text.trim_start().chars().take(1024).collect();
    let head = head.to_ascii_lowercase();
    head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || head.starts_with("<?xml") && head.contains("<html")
        || ["<head>", "<body", "<title>", "<meta "]
            .iter()
            .any(|tag| head.contains(tag))
}

/// The page's `<title>`, shortened and stripped of control characters.
fn html_title(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let title: String = text[start..end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!title.is_empty()).then(|| text::printable_max(&title, 80))
}

/// A short, escaped view of a body for a one-line detail.
fn preview(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == 100 {
            out.push('…');
            break;
        }
        if text::is_unsafe(c) {
            let _ = write!(out, "{}", c.escape_default());
        } else {
            let _ = write!(out, "{}", c.escape_debug());
        }
    }
    out
}

fn join_words<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<&str> = items.collect();
    match items.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MD5: &str = "24D70B5796C322160073BBE3C29CB19F";
    const SHA: &str = "BC870A155ABCFD66FE3193E653E3E28F54F1FD34090414185B0891BE88078E2C";
    const OTHER_SHA: &str = "6787CA30E78D2EB43B688A245F955264617CAE5CCE03D1C2AF369ADF67EC7ABE";

    fn file() -> Expected {
        Expected::file(MD5, SHA, "sectigo.com", None)
    }

    fn check(body: &str) -> Option<BodyProblem> {
        diagnose(body.as_bytes(), Some("text/plain"), &file())
    }

    fn cosmetic(list: &[Cosmetic]) -> Option<BodyProblem> {
        Some(BodyProblem::Cosmetic(list.to_vec()))
    }

    #[test]
    fn exact_body_passes() {
        assert_eq!(check(&format!("{SHA}\nsectigo.com")), None);
        let with_token = Expected::file(MD5, SHA, "ssl.com", Some("Tok3n"));
        assert_eq!(with_token.body, format!("{SHA}\nssl.com\nTok3n"));
        assert_eq!(
            diagnose(with_token.body.as_bytes(), None, &with_token),
            None
        );
    }

    #[test]
    fn invisible_differences_are_named() {
        use Cosmetic::*;
        assert_eq!(
            check(&format!("{SHA}\nsectigo.com\n")),
            cosmetic(&[TrailingNewline])
        );
        assert_eq!(check(&format!("{SHA}\r\nsectigo.com")), cosmetic(&[Crlf]));
        assert_eq!(
            check(&format!("{SHA}\r\nsectigo.com\r\n")),
            cosmetic(&[Crlf, TrailingNewline])
        );
        assert_eq!(
            check(&format!("\u{feff}{SHA}\nsectigo.com")),
            cosmetic(&[Bom])
        );
        assert_eq!(
            check(&format!("  {SHA} \n\tsectigo.com\n\n")),
            cosmetic(&[Whitespace])
        );
        assert_eq!(
            check(&format!("{}\nsectigo.com", SHA.to_lowercase())),
            cosmetic(&[LetterCase])
        );
        assert_eq!(
            check(&format!(
                "\u{feff}{}\r\nsectigo.com\r\n",
                SHA.to_lowercase()
            )),
            cosmetic(&[Bom, Crlf, TrailingNewline, LetterCase])
        );
    }

    #[test]
    fn utf16_from_notepad() {
        let text = format!("{SHA}\r\nsectigo.com");
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(
            diagnose(&bytes, None, &file()),
            cosmetic(&[Cosmetic::Utf16, Cosmetic::Crlf])
        );
    }

    #[test]
    fn detail_lists_differences_in_words() {
        let p = check(&format!("{SHA}\r\nsectigo.com\r\n")).unwrap();
        assert_eq!(
            p.detail(),
            "the body differs from the expected one only by CRLF line ends and a trailing newline"
        );
        assert!(p.hint(true).contains("dcv file --write"));
    }

    #[test]
    fn a_blank_line_between_hash_and_tag_is_named() {
        assert_eq!(
            check(&format!("{SHA}\n\nsectigo.com")),
            Some(BodyProblem::BlankLine)
        );
        assert_eq!(
            check(&format!("{SHA}\r\n\r\nsectigo.com\r\n")),
            Some(BodyProblem::BlankLine)
        );
        // A blank line before another tag is still the other tag.
        assert!(matches!(
            check(&format!("{SHA}\n\ncomodoca.com")),
            Some(BodyProblem::OtherTag { .. })
        ));
        assert!(BodyProblem::BlankLine.detail().contains("blank line"));
    }

    #[test]
    fn another_csr_tag_or_token() {
        assert_eq!(
            check(&format!("{OTHER_SHA}\nsectigo.com")),
            Some(BodyProblem::OtherCsr {
                found: OTHER_SHA.into()
            })
        );
        assert_eq!(
            check(&format!("{MD5}\nsectigo.com")),
            Some(BodyProblem::Md5AsBody)
        );
        assert_eq!(
            check(&format!("{SHA}\ncomodoca.com")),
            Some(BodyProblem::OtherTag {
                found: "comodoca.com".into(),
                expected: "sectigo.com".into()
            })
        );
        assert_eq!(
            check(SHA),
            Some(BodyProblem::MissingTag {
                expected: "sectigo.com".into()
            })
        );
        assert_eq!(
            check(&format!("{SHA}\nsectigo.com\nabc123")),
            Some(BodyProblem::UnexpectedToken {
                found: "abc123".into()
            })
        );
        let tok = Expected::file(MD5, SHA, "sectigo.com", Some("Right1"));
        assert_eq!(
            diagnose(format!("{SHA}\nsectigo.com\nWrong2").as_bytes(), None, &tok),
            Some(BodyProblem::OtherToken {
                found: "Wrong2".into(),
                expected: "Right1".into()
            })
        );
        assert_eq!(
            diagnose(format!("{SHA}\nsectigo.com").as_bytes(), None, &tok),
            Some(BodyProblem::MissingToken {
                expected: "Right1".into()
            })
        );
        assert_eq!(
            check(&format!("{SHA}\nsectigo.com\nx\ny")),
            Some(BodyProblem::UnexpectedToken { found: "x".into() })
        );
    }

    #[test]
    fn html_pages_are_recognised() {
        let page = "<!DOCTYPE html>\n<html><head><title>  Page\n not found </title></head><body>404</body></html>";
        assert_eq!(
            diagnose(page.as_bytes(), None, &file()),
            Some(BodyProblem::Html {
                title: Some("Page not found".into())
            })
        );
        assert_eq!(
            diagnose(b"<p>parked</p>", Some("text/html; charset=utf-8"), &file()),
            Some(BodyProblem::Html { title: None })
        );
        // A text body is not HTML just because it contains '<'.
        assert!(!looks_like_html("a < b", Some("text/plain")));
    }

    #[test]
    fn generic_bodies_get_a_preview() {
        let exp = Expected::body("2024abcdef");
        assert_eq!(diagnose(b"2024abcdef", None, &exp), None);
        assert_eq!(
            diagnose(b"2024abcdef\n", None, &exp),
            cosmetic(&[Cosmetic::TrailingNewline])
        );
        let p = diagnose(b"nope\x01", None, &exp).unwrap();
        assert_eq!(
            p.detail(),
            "the body is \"nope\\u{1}\", expected \"2024abcdef\""
        );
        assert!(p.hint(false).contains("portal"));
        let case = diagnose(b"2024ABCDEF", None, &exp).unwrap();
        assert_eq!(
            case.hint(false),
            "CAs compare the bytes exactly: match the letter case exactly; serve exactly the value the CA's portal gave"
        );
        assert_eq!(diagnose(b"", None, &exp), Some(BodyProblem::Empty));
        assert!(matches!(
            diagnose(b"\xff\x00\xfe", None, &exp),
            Some(BodyProblem::Different { .. })
        ));
    }

    #[test]
    fn long_or_hostile_bodies_are_bounded() {
        let junk = "x".repeat(70_000);
        let p = diagnose(junk.as_bytes(), None, &file()).unwrap();
        assert!(p.detail().len() < 400);
        let title = format!("<html><title>{}\u{7}</title>", "t".repeat(500));
        match diagnose(title.as_bytes(), None, &file()) {
            Some(BodyProblem::Html { title: Some(t) }) => assert!(t.chars().count() <= 81),
            other => panic!("{other:?}"),
        }
        // An unterminated title or a lone '<title' does not panic.
        assert!(diagnose(b"<html><title>", None, &file()).is_some());
        assert!(diagnose(b"<title", None, &file()).is_some());
    }
}
