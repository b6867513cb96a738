//! CA profiles as data: what dcv knows per CA — its CAA issuer domain
//! names, its tag, its methods (CNAME, file and TXT forms), its redirect
//! rule — read from the profile file shipped in the repository
//! (`profiles/cas.json`, compiled in) and from `--ca-profile FILE`s, which
//! add or override profiles. Each profile cites the CA's own documentation.
//! Pure: parsing and validation; reading the files is the caller's job.

use serde::{Deserialize, Serialize};

use crate::caa::BrMethod;

/// The built-in profile file.
pub const BUILT_IN: &str = include_str!("../profiles/cas.json");

/// The one CNAME form dcv checks from a CSR's hashes (SPEC section 1).
pub const HASH_CNAME_OWNER: &str = "_{MD5}.{ADN}";
pub const HASH_CNAME_TARGET: &str = "{SHA256[0..32]}.{SHA256[32..64]}.[{TOKEN}.]{TAG}.";
/// The one file form dcv checks from a CSR's hashes (SPEC section 1).
pub const HASH_FILE_PATH: &str = "/.well-known/pki-validation/{MD5}.txt";
pub const HASH_FILE_BODY: &str = "{SHA256}\n{TAG}[\n{TOKEN}]";

/// A profile file: `{"profiles": [...]}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// Present in `dcv profiles --json` output, so that output is a profile file.
    #[serde(default)]
    #[allow(dead_code)]
    schema_version: Option<u32>,
    #[serde(default)]
    #[allow(dead_code)]
    ok: Option<bool>,
    profiles: Vec<Profile>,
}

/// One CA's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// What `--ca` takes: lowercase letters, digits, `-`.
    pub name: String,
    /// The CA (and brands) in words.
    pub ca: String,
    /// The domain that ends the CNAME target and the file's second line
    /// (profiles with the CSR-hash methods only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// CAA issuer domain names that authorize this CA (RFC 8659 `issue`).
    pub caa_issuers: Vec<String>,
    /// What the CA does with an HTTP redirect; `refuse` is the one rule
    /// dcv implements (the strictest: a redirect fails).
    pub redirects: Redirects,
    pub methods: Vec<MethodForm>,
    /// The CA's re-check schedule, where it publishes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polling: Option<String>,
    /// The CA's account URI form for CAA `accounturi` (RFC 8657), for a
    /// CA without ACME accounts: ballot SC-098 has each CA define it in its
    /// CP/CPS. `{ACCOUNT}` stands for the account's identifier, so
    /// `--account ID` becomes the URI. Needs a source whose `covers` starts
    /// with `accounturi:`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounturi: Option<String>,
    /// The persistent TXT (BR 3.2.2.4.22) of a wildcard name must carry
    /// `policy=wildcard` for this CA. The BR define no `policy` parameter,
    /// so this is a CA's own rule: it needs a source whose `covers` starts
    /// with `persist:`. Without it a wildcard passes with a warning.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub persist_requires_policy_wildcard: bool,
    /// The CA's own documentation each rule was read from.
    pub sources: Vec<SourceRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Redirects {
    Refuse,
}

impl Redirects {
    pub fn label(self) -> &'static str {
        match self {
            Redirects::Refuse => "refuse (a redirect fails the HTTP check)",
        }
    }
}

/// Where a rule comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    pub url: String,
    /// The date the page was read, YYYY-MM-DD.
    pub read: String,
    /// Which rules the page supports.
    pub covers: String,
}

/// Where a method looks: the FQDN only, or every ADN from the FQDN up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdnRule {
    Walk,
    Fqdn,
}

impl AdnRule {
    pub fn label(self) -> &'static str {
        match self {
            AdnRule::Walk => "walk",
            AdnRule::Fqdn => "fqdn",
        }
    }
}

impl Match {
    pub fn label(self) -> &'static str {
        match self {
            Match::Exact => "exact",
            Match::Contains => "contains",
        }
    }
}

/// How a TXT record must hold the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Match {
    /// The record's joined strings are the value.
    Exact,
    /// The record's joined strings contain the value.
    Contains,
}

/// One method's form, as the CA documents it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "kebab-case", deny_unknown_fields)]
pub enum MethodForm {
    /// The CNAME of the CSR's hashes (only [`HASH_CNAME_OWNER`] →
    /// [`HASH_CNAME_TARGET`] is implemented).
    Cname {
        owner: String,
        target: String,
        adn: AdnRule,
    },
    /// A file over HTTP: the CSR-hash file ([`HASH_FILE_PATH`] with
    /// [`HASH_FILE_BODY`]) or a random-value file (a fixed path under
    /// `/.well-known/pki-validation/`, body `{RANDOM}`).
    File {
        path: String,
        body: String,
        adn: AdnRule,
    },
    /// A random-value TXT record: owner `{ADN}` or `<label>.{ADN}`, value
    /// `[prefix]{RANDOM}`.
    Txt {
        owner: String,
        value: String,
        #[serde(rename = "match")]
        matching: Match,
        adn: AdnRule,
    },
}

impl MethodForm {
    pub fn name(&self) -> &'static str {
        match self {
            MethodForm::Cname { .. } => "cname",
            MethodForm::File { .. } => "file",
            MethodForm::Txt { .. } => "txt",
        }
    }

    pub fn br(&self) -> BrMethod {
        match self {
            MethodForm::Cname { .. } | MethodForm::Txt { .. } => BrMethod::Dns,
            MethodForm::File { .. } => BrMethod::File,
        }
    }
}

/// A random-value TXT form, ready to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxtForm {
    /// The labels before the ADN (`_pki-validation`), or empty for the ADN itself.
    pub prefix: String,
    /// What the record holds before the value (`""` usually).
    pub value_prefix: String,
    pub matching: Match,
    pub walk: bool,
}

impl TxtForm {
    /// The record's owner at one ADN, without the final dot.
    pub fn owner(&self, adn: &str) -> String {
        if self.prefix.is_empty() {
            adn.to_owned()
        } else {
            format!("{}.{adn}", self.prefix)
        }
    }

    /// The record's text for a random value.
    pub fn text(&self, value: &str) -> String {
        format!("{}{value}", self.value_prefix)
    }
}

impl Profile {
    /// The random-value TXT form, if the CA has one.
    pub fn txt_form(&self) -> Option<TxtForm> {
        self.methods.iter().find_map(|m| match m {
            MethodForm::Txt {
                owner,
                value,
                matching,
                adn,
            } => Some(TxtForm {
                prefix: owner
                    .strip_suffix("{ADN}")
                    .unwrap_or("")
                    .trim_end_matches('.')
                    .to_owned(),
                value_prefix: value.strip_suffix("{RANDOM}").unwrap_or("").to_owned(),
                matching: *matching,
                walk: *adn == AdnRule::Walk,
            }),
            _ => None,
        })
    }

    /// The random-value file's path, if the CA has one.
    pub fn random_file_path(&self) -> Option<&str> {
        self.methods.iter().find_map(|m| match m {
            MethodForm::File { path, body, .. } if body == "{RANDOM}" => Some(path.as_str()),
            _ => None,
        })
    }

    /// Whether the CA checks the CSR-hash CNAME / file.
    pub fn has_hash_cname(&self) -> bool {
        self.methods
            .iter()
            .any(|m| matches!(m, MethodForm::Cname { .. }))
    }

    pub fn has_hash_file(&self) -> bool {
        self.methods
            .iter()
            .any(|m| matches!(m, MethodForm::File { body, .. } if body != "{RANDOM}"))
    }

    /// The BR labels of the methods, in order, without repeats.
    pub fn br_labels(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for m in &self.methods {
            let l = m.br().label();
            if !out.contains(&l) {
                out.push(l);
            }
        }
        out
    }

    /// Checks that dcv can check every form the profile declares, so a
    /// profile never claims a rule dcv would silently not apply.
    fn validate(&self) -> Result<(), String> {
        let bad = |what: String| Err(format!("profile {:?}: {what}", self.name));
        let name_ok = !self.name.is_empty()
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !name_ok {
            return bad("name must be lowercase letters, digits and -".into());
        }
        if self.caa_issuers.is_empty() {
            return bad("caa_issuers is empty".into());
        }
        for i in &self.caa_issuers {
            if i.parse::<crate::ca::CaTag>().is_err() {
                return bad(format!("caa_issuers: {i:?} is not a domain name"));
            }
        }
        if let Some(t) = &self.tag
            && t.parse::<crate::ca::CaTag>().is_err()
        {
            return bad(format!("tag {t:?} is not a domain name"));
        }
        if self.sources.is_empty() {
            return bad("no sources: cite the CA's documentation (url, read, covers)".into());
        }
        for s in &self.sources {
            let date_ok = s.read.parse::<crate::clock::Date>().is_ok();
            if !(s.url.starts_with("https://") || s.url.starts_with("http://")) || !date_ok {
                return bad(format!(
                    "source {:?}: needs an http(s) url and the date read as YYYY-MM-DD",
                    s.url
                ));
            }
        }
        // A rule beyond the BR is only as good as its source.
        let sourced = |rule: &str| {
            self.sources
                .iter()
                .any(|s| s.covers.starts_with(&format!("{rule}:")))
        };
        if self.persist_requires_policy_wildcard && !sourced("persist") {
            return bad(
                "persist_requires_policy_wildcard needs a source whose covers starts with \"persist:\"".into(),
            );
        }
        if let Some(form) = &self.accounturi {
            if !sourced("accounturi") {
                return bad(
                    "accounturi needs a source whose covers starts with \"accounturi:\"".into(),
                );
            }
            if !form.contains("{ACCOUNT}") || crate::persistent_txt::parse_accounturi(form).is_err()
            {
                return bad(format!(
                    "accounturi {form:?}: a URI form with {{ACCOUNT}} (printable ASCII, no spaces or ';')"
                ));
            }
        }
        if self.methods.is_empty() {
            return bad("no methods".into());
        }
        for m in &self.methods {
            match m {
                MethodForm::Cname { owner, target, .. } => {
                    if owner != HASH_CNAME_OWNER || target != HASH_CNAME_TARGET {
                        return bad(format!(
                            "cname: dcv checks only the CSR-hash form owner {HASH_CNAME_OWNER:?} target {HASH_CNAME_TARGET:?}"
                        ));
                    }
                    if self.tag.is_none() {
                        return bad("cname: the CSR-hash CNAME needs a tag".into());
                    }
                }
                MethodForm::File { path, body, .. } => {
                    let hash = path == HASH_FILE_PATH && body == HASH_FILE_BODY;
                    let random = body == "{RANDOM}"
                        && path
                            .strip_prefix("/.well-known/pki-validation/")
                            .is_some_and(|f| {
                                !f.is_empty()
                                    && f.bytes()
                                        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
                            });
                    if !hash && !random {
                        return bad(format!(
                            "file: dcv checks the CSR-hash file ({HASH_FILE_PATH:?}, {HASH_FILE_BODY:?}) or a file under /.well-known/pki-validation/ whose body is {{RANDOM}}"
                        ));
                    }
                    if hash && self.tag.is_none() {
                        return bad("file: the CSR-hash file needs a tag".into());
                    }
                }
                MethodForm::Txt { owner, value, .. } => {
                    let prefix_ok = owner == "{ADN}"
                        || owner.strip_suffix(".{ADN}").is_some_and(|p| {
                            !p.is_empty()
                                && p.split('.').all(|l| {
                                    !l.is_empty()
                                        && l.len() <= 63
                                        && l.bytes().all(|b| {
                                            b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
                                        })
                                })
                        });
                    let value_ok = value
                        .strip_suffix("{RANDOM}")
                        .is_some_and(|p| !p.contains(['{', '}', '"', '\\']));
                    if !prefix_ok || !value_ok {
                        return bad(
                            "txt: owner must be {ADN} or <labels>.{ADN}, value [prefix]{RANDOM}"
                                .into(),
                        );
                    }
                }
            }
        }
        if self
            .methods
            .iter()
            .filter(|m| matches!(m, MethodForm::Txt { .. }))
            .count()
            > 1
        {
            return bad("more than one txt form".into());
        }
        Ok(())
    }
}

/// Every profile: the built-in ones, then each `--ca-profile` file's,
/// a profile of the same name replacing the earlier one.
#[derive(Debug, Clone)]
pub struct Profiles {
    pub list: Vec<Profile>,
}

impl Profile {
    /// `--account` as the CAA compares it: a URI as given, or an account
    /// identifier put into this CA's `accounturi` form.
    pub fn account_uri(&self, account: &str) -> String {
        match &self.accounturi {
            Some(form) if !account.contains(':') => form.replace("{ACCOUNT}", account),
            _ => account.to_owned(),
        }
    }
}

impl Profiles {
    /// Parses profile file texts in order (`(name, text)`: the name for errors).
    pub fn parse<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Profiles, String> {
        let mut list: Vec<Profile> = Vec::new();
        for (origin, text) in files {
            let file: File = serde_json::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
            for p in file.profiles {
                p.validate().map_err(|e| format!("{origin}: {e}"))?;
                match list.iter_mut().find(|q| q.name == p.name) {
                    Some(q) => *q = p,
                    None => list.push(p),
                }
            }
        }
        Ok(Profiles { list })
    }

    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.list.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }

    pub fn names(&self) -> Vec<&str> {
        self.list.iter().map(|p| p.name.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_file_is_valid_and_cites_a_source_per_profile() {
        let p = Profiles::parse([("built-in", BUILT_IN)]).unwrap();
        assert!(p.list.iter().all(|x| !x.sources.is_empty()));
        // SPEC section 1's table, unchanged.
        assert_eq!(
            p.get("sectigo").unwrap().tag.as_deref(),
            Some("sectigo.com")
        );
        assert_eq!(
            p.get("comodo").unwrap().tag.as_deref(),
            Some("comodoca.com")
        );
        assert_eq!(p.get("sslcom").unwrap().tag.as_deref(), Some("ssl.com"));
        assert_eq!(
            p.get("sectigo").unwrap().caa_issuers,
            [
                "sectigo.com",
                "comodoca.com",
                "comodo.com",
                "usertrust.com",
                "trust-provider.com"
            ]
        );
        assert_eq!(p.get("sslcom").unwrap().caa_issuers, ["ssl.com"]);
        let t = p.get("sectigo").unwrap().txt_form().unwrap();
        assert_eq!(t.owner("example.com"), "_pki-validation.example.com");
        assert_eq!(t.matching, Match::Exact);
        let d = p.get("digicert").unwrap();
        assert_eq!(d.txt_form().unwrap().owner("example.com"), "example.com");
        assert_eq!(
            d.random_file_path(),
            Some("/.well-known/pki-validation/fileauth.txt")
        );
        assert!(!d.has_hash_cname());
    }

    #[test]
    fn a_user_file_overrides_and_adds() {
        let user = r#"{"profiles": [
            {"name": "sectigo", "ca": "Sectigo via reseller", "tag": "sectigo.com",
             "caa_issuers": ["sectigo.com"], "redirects": "refuse",
             "methods": [{"method": "txt", "owner": "_pki-validation.{ADN}", "value": "{RANDOM}", "match": "exact", "adn": "walk"}],
             "sources": [{"url": "https://example.net/doc", "read": "2026-01-02", "covers": "txt"}]},
            {"name": "myca", "ca": "My CA", "caa_issuers": ["myca.example"], "redirects": "refuse",
             "methods": [{"method": "txt", "owner": "_myca.{ADN}", "value": "myca-verification={RANDOM}", "match": "exact", "adn": "fqdn"}],
             "sources": [{"url": "https://myca.example/dcv", "read": "2026-01-02", "covers": "txt"}]}
        ]}"#;
        let p = Profiles::parse([("built-in", BUILT_IN), ("user.json", user)]).unwrap();
        assert_eq!(p.get("sectigo").unwrap().caa_issuers, ["sectigo.com"]);
        let t = p.get("myca").unwrap().txt_form().unwrap();
        assert_eq!(t.text("abc"), "myca-verification=abc");
        assert!(!t.walk);
        // The built-in eight and the user's one.
        assert_eq!(p.names().len(), 9);
    }

    #[test]
    fn rules_beyond_the_br_need_their_source() {
        let base = |extra: &str, covers: &str| {
            format!(
                r#"{{"profiles": [{{"name": "x", "ca": "X", "caa_issuers": ["x.example"], "redirects": "refuse", {extra}
                "methods": [{{"method": "txt", "owner": "{{ADN}}", "value": "{{RANDOM}}", "match": "exact", "adn": "walk"}}],
                "sources": [{{"url": "https://x.example/", "read": "2026-01-02", "covers": "{covers}"}}]}}]}}"#
            )
        };
        let parse =
            |extra: &str, covers: &str| Profiles::parse([("f", base(extra, covers).as_str())]);
        let wild = r#""persist_requires_policy_wildcard": true,"#;
        assert!(parse(wild, "txt").is_err());
        assert!(parse(wild, "persist: CPS 3.2.2.4.22").is_ok());
        let acct = r#""accounturi": "https://x.example/a/{ACCOUNT}","#;
        assert!(parse(acct, "txt").is_err());
        let p = parse(acct, "accounturi: CPS").unwrap();
        let x = p.get("x").unwrap();
        assert_eq!(x.account_uri("7"), "https://x.example/a/7");
        assert_eq!(x.account_uri("https://other/1"), "https://other/1");
        // A form must have the placeholder and be a CAA parameter value.
        assert!(parse(r#""accounturi": "https://x.example/a","#, "accounturi: CPS").is_err());
        assert!(parse(r#""accounturi": "a b {ACCOUNT}","#, "accounturi: CPS").is_err());
    }

    #[test]
    fn forms_dcv_cannot_check_are_refused() {
        let with = |method: &str| {
            format!(
                r#"{{"profiles": [{{"name": "x", "ca": "X", "tag": "x.example", "caa_issuers": ["x.example"],
                "redirects": "refuse", "methods": [{method}],
                "sources": [{{"url": "https://x.example/", "read": "2026-01-02", "covers": "all"}}]}}]}}"#
            )
        };
        for bad in [
            r#"{"method": "cname", "owner": "_{MD5}.{ADN}", "target": "{SHA256}.{TAG}.", "adn": "walk"}"#,
            r#"{"method": "file", "path": "/x.txt", "body": "{RANDOM}", "adn": "fqdn"}"#,
            r#"{"method": "txt", "owner": "{ADN}.x", "value": "{RANDOM}", "match": "exact", "adn": "walk"}"#,
            r#"{"method": "txt", "owner": "{ADN}", "value": "{RANDOM}x", "match": "exact", "adn": "walk"}"#,
            r#"{"method": "smtp"}"#,
        ] {
            assert!(
                Profiles::parse([("f", with(bad).as_str())]).is_err(),
                "{bad}"
            );
        }
        let ok = with(
            r#"{"method": "file", "path": "/.well-known/pki-validation/fileauth.txt", "body": "{RANDOM}", "adn": "fqdn"}"#,
        );
        assert!(Profiles::parse([("f", ok.as_str())]).is_ok());
        let unsourced = with("").replace(
            r#"[{"url": "https://x.example/", "read": "2026-01-02", "covers": "all"}]"#,
            "[]",
        );
        assert!(Profiles::parse([("f", unsourced.as_str())]).is_err());
    }
}
