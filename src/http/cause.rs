//! The thing in the way, read from what a response shows (SPEC section 8,
//! "Causes people can act on"): a bot or WAF challenge, a CDN's geo-block,
//! Windows authentication, a rate limit, a cache serving an old answer, IIS
//! refusing an unknown file type. Pure: headers and body in, a typed
//! [`Obstacle`] (or a [`CacheSeen`] note) out; `judge` turns them into
//! words, hints and codes.

use super::fetch::Response;
use crate::reason::Code;

/// A response header's value (the first of that name), case-insensitively.
pub fn header<'a>(resp: &'a Response, name: &str) -> Option<&'a str> {
    resp.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// What stands between the CA's fetcher and the file, when a response names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Obstacle {
    /// A bot protection or WAF answered with a challenge (or a block page).
    Challenge {
        status: u16,
        /// The service, when the headers or the page name it.
        provider: Option<&'static str>,
    },
    /// A CDN refuses requests from some countries.
    GeoBlock {
        status: u16,
        provider: Option<&'static str>,
    },
    /// 401 asking for Windows authentication (Negotiate / NTLM).
    WindowsAuth { schemes: String },
    /// 429, with the wait the server asked for.
    RateLimited { retry_after: Option<String> },
    /// IIS 404.3: no MIME map for the file's extension.
    IisMimeMap,
}

/// Whether the page (lower-cased) is a challenge page, by the markers the
/// services put in them.
fn challenge_page(body: &str) -> bool {
    const MARKERS: [&str; 11] = [
        "checking your browser",
        "just a moment...",
        "challenge-platform",
        "cf-chl-",
        "attention required! | cloudflare",
        "ddos-guard",
        "sucuri website firewall",
        "incapsula incident",
        "captcha-delivery",
        "verify you are human",
        "enable javascript and cookies to continue",
    ];
    MARKERS.iter().any(|m| body.contains(m))
}

/// A CDN block page naming the country as the reason.
fn geo_page(body: &str) -> bool {
    const MARKERS: [&str; 5] = [
        "error code: 1009",
        "has banned the country or region",
        "configured to block access from your country",
        "not available in your country",
        "not available in your region",
    ];
    MARKERS.iter().any(|m| body.contains(m))
}

/// The CDN or protection service in front of the site, from its headers
/// (or, failing that, from its page).
fn provider(resp: &Response, body: &str) -> Option<&'static str> {
    let server = header(resp, "server").unwrap_or("").to_ascii_lowercase();
    let via = header(resp, "via").unwrap_or("").to_ascii_lowercase();
    let has = |name: &str| header(resp, name).is_some();
    if server.contains("cloudflare") || has("cf-ray") || has("cf-mitigated") {
        Some("Cloudflare")
    } else if has("x-amzn-waf-action") {
        Some("AWS WAF")
    } else if has("x-amz-cf-id") || via.contains("cloudfront") {
        Some("Amazon CloudFront")
    } else if server.contains("akamaighost") || has("akamai-grn") {
        Some("Akamai")
    } else if server.contains("sucuri") || has("x-sucuri-id") {
        Some("Sucuri")
    } else if has("x-iinfo") || body.contains("incapsula incident") {
        Some("Imperva (Incapsula)")
    } else if server.contains("ddos-guard") || body.contains("ddos-guard") {
        Some("DDoS-Guard")
    } else if has("x-datadome") || body.contains("captcha-delivery") {
        Some("DataDome")
    } else if has("x-served-by") && has("x-fastly-request-id") {
        Some("Fastly")
    } else {
        None
    }
}

/// The obstacle a response shows, if any. Asked of every response that
/// did not pass, before the status alone decides.
pub fn obstacle(resp: &Response) -> Option<Obstacle> {
    let status = resp.status;
    let body =
        String::from_utf8_lossy(&resp.body[..resp.body.len().min(16 * 1024)]).to_ascii_lowercase();
    if status == 401
        && let Some(auth) = resp
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("www-authenticate"))
            .map(|(_, v)| v.trim())
            .filter(|v| {
                let v = v.to_ascii_lowercase();
                v.starts_with("negotiate") || v.starts_with("ntlm")
            })
            .map(|v| v.split([' ', ',']).next().unwrap_or(v).to_owned())
            .reduce(|a, b| format!("{a}, {b}"))
    {
        return Some(Obstacle::WindowsAuth { schemes: auth });
    }
    // AWS WAF says what it did in a header, Cloudflare too.
    let mitigated = header(resp, "cf-mitigated").is_some_and(|v| !v.trim().is_empty())
        || header(resp, "x-amzn-waf-action")
            .is_some_and(|v| matches!(v.trim(), "challenge" | "captcha" | "block"));
    if matches!(status, 403 | 451) && geo_page(&body) {
        return Some(Obstacle::GeoBlock {
            status,
            provider: provider(resp, &body),
        });
    }
    let challenge_status = matches!(status, 200 | 403 | 429 | 503);
    if mitigated || (challenge_status && challenge_page(&body)) {
        return Some(Obstacle::Challenge {
            status,
            provider: provider(resp, &body),
        });
    }
    if status == 429 {
        return Some(Obstacle::RateLimited {
            retry_after: header(resp, "retry-after").map(|v| v.trim().to_owned()),
        });
    }
    if status == 404 && (body.contains("404.3") || body.contains("mime map")) {
        return Some(Obstacle::IisMimeMap);
    }
    None
}

fn by(provider: Option<&'static str>) -> String {
    provider.map(|p| format!(" ({p})")).unwrap_or_default()
}

/// A Retry-After value in words: seconds, or the date as sent.
fn retry_words(v: &str) -> String {
    match v.parse::<u64>() {
        Ok(s) => format!("retry after {s} s"),
        Err(_) => format!("retry after {v}"),
    }
}

impl Obstacle {
    pub fn detail(&self) -> String {
        match self {
            Obstacle::Challenge { status, provider } => format!(
                "a bot-protection challenge{} answered ({status}) instead of the file",
                by(*provider)
            ),
            Obstacle::GeoBlock { status, provider } => format!(
                "the CDN{} refuses this request by country ({status}: a geo-block)",
                by(*provider)
            ),
            Obstacle::WindowsAuth { schemes } => format!(
                "access denied (401): the server asks for Windows authentication ({schemes})"
            ),
            Obstacle::RateLimited { retry_after } => match retry_after {
                Some(v) => format!("rate limited (429), {}", retry_words(v)),
                None => "rate limited (429)".into(),
            },
            Obstacle::IisMimeMap => {
                "not found (404.3): IIS has no MIME type for the file's extension (MIME map)".into()
            }
        }
    }

    pub fn code(&self) -> Code {
        match self {
            Obstacle::Challenge { .. } => Code::HttpBotChallenge,
            Obstacle::GeoBlock { .. } => Code::HttpGeoBlocked,
            Obstacle::WindowsAuth { .. } => Code::HttpWindowsAuth,
            Obstacle::RateLimited { .. } => Code::HttpRateLimited,
            Obstacle::IisMimeMap => Code::HttpIisMimeMap,
        }
    }

    pub fn hint(&self) -> String {
        match self {
            Obstacle::Challenge { provider, .. } => {
                let how = match provider {
                    Some("Cloudflare") => {
                        " (Cloudflare: Security → WAF → a custom rule `starts_with(http.request.uri.path, \"/.well-known/pki-validation/\")` with action Skip for Bot Fight Mode, Super Bot Fight Mode, managed rules and rate limits; Under Attack mode challenges everything)"
                    }
                    Some("AWS WAF") => {
                        " (AWS WAF: a rule with a higher priority that allows the URI path prefix /.well-known/pki-validation/)"
                    }
                    _ => "",
                };
                format!(
                    "the CA's fetcher runs no JavaScript and solves no CAPTCHA, so the challenge fails it: exempt /.well-known/pki-validation/ from the bot protection{how}, or allow the CA's validation addresses"
                )
            }
            Obstacle::GeoBlock { provider, .. } => format!(
                "CAs validate from several countries (multi-perspective validation): exempt /.well-known/pki-validation/ from the country rule{}, or use the DNS method",
                by(*provider)
            ),
            Obstacle::WindowsAuth { .. } => "the CA cannot log in: enable Anonymous Authentication for the /.well-known/pki-validation folder (IIS Manager → the folder → Authentication → Anonymous Authentication → Enable; or in its web.config `<system.webServer><security><authentication><anonymousAuthentication enabled=\"true\" /></authentication></security></system.webServer>`), leaving Windows authentication on the rest of the site".into(),
            Obstacle::RateLimited { retry_after } => {
                let wait = retry_after
                    .as_deref()
                    .map(|v| format!("; the server asks to {}", retry_words(v)))
                    .unwrap_or_default();
                format!(
                    "a rate limit answers instead of the file, and the CA's fetch may hit it too: exempt /.well-known/pki-validation/ from the limit (nginx `limit_req`, a WAF or CDN rule){wait}, or check again later"
                )
            }
            Obstacle::IisMimeMap => "IIS serves only files whose extension has a MIME type: add one in the site's (or the folder's) web.config, `<system.webServer><staticContent><remove fileExtension=\".txt\" /><mimeMap fileExtension=\".txt\" mimeType=\"text/plain\" /></staticContent></system.webServer>`, or in IIS Manager → MIME Types".into(),
        }
    }
}

/// A cache answered (a hit): which one and how old its copy is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSeen {
    pub cache: &'static str,
    /// The `Age` header, in seconds.
    pub age: Option<u64>,
}

/// The cache that served this response from its store, when the headers
/// show a hit (`Age` above 0, `X-Cache: HIT`, `CF-Cache-Status: HIT`, two
/// ids in `X-Varnish`). A miss or a pass-through is not a stale answer.
pub fn cache_hit(resp: &Response) -> Option<CacheSeen> {
    let age = header(resp, "age").and_then(|v| v.trim().parse::<u64>().ok());
    let x_cache = [
        "x-cache",
        "x-cache-status",
        "cf-cache-status",
        "x-proxy-cache",
    ]
    .iter()
    .filter_map(|h| header(resp, h))
    .map(str::to_ascii_lowercase)
    .collect::<Vec<_>>();
    let said_hit = x_cache
        .iter()
        .any(|v| v.starts_with("hit") || v.contains(" hit") || v.contains(",hit"));
    let said_miss = !x_cache.is_empty() && !said_hit;
    // Varnish sends its own and the cached object's transaction ids on a hit.
    let varnish_hit = header(resp, "x-varnish").is_some_and(|v| v.split_whitespace().count() >= 2);
    let hit = said_hit || varnish_hit || (age.is_some_and(|a| a > 0) && !said_miss);
    if !hit {
        return None;
    }
    let via = header(resp, "via").unwrap_or("").to_ascii_lowercase();
    let server = header(resp, "server").unwrap_or("").to_ascii_lowercase();
    let cache_line = x_cache.join(" ");
    let cache = if header(resp, "x-varnish").is_some() || via.contains("varnish") {
        "Varnish"
    } else if via.contains("squid") || cache_line.contains("from ") || server.contains("squid") {
        "Squid"
    } else if header(resp, "cf-cache-status").is_some() {
        "Cloudflare"
    } else if header(resp, "x-amz-cf-id").is_some() || via.contains("cloudfront") {
        "Amazon CloudFront"
    } else if header(resp, "x-served-by").is_some() && header(resp, "x-fastly-request-id").is_some()
    {
        "Fastly"
    } else if via.contains("haproxy") {
        "HAProxy"
    } else if header(resp, "x-cache-status").is_some() || server.contains("nginx") {
        "nginx proxy_cache"
    } else if via.contains("apache") || server.contains("apache") {
        "Apache mod_cache"
    } else {
        "a cache"
    };
    Some(CacheSeen { cache, age })
}

impl CacheSeen {
    /// Appended to the failure's detail.
    pub fn detail(&self) -> String {
        let age = self
            .age
            .map(|a| {
                format!(
                    ", a copy {} old",
                    crate::text::duration(std::time::Duration::from_secs(a))
                )
            })
            .unwrap_or_default();
        let who = if self.cache == "a cache" {
            "a cache".to_owned()
        } else {
            format!("a cache ({})", self.cache)
        };
        format!("; served from {who}{age}")
    }

    pub fn hint(&self) -> String {
        let purge = match self.cache {
            "Varnish" => {
                "Varnish: `varnishadm 'ban req.url ~ ^/.well-known/pki-validation/'`, and `return (pass)` for that path in vcl_recv"
            }
            "Squid" => {
                "Squid: `squidclient -m PURGE URL` (with a PURGE acl), and `cache deny` for that path"
            }
            "Cloudflare" => {
                "Cloudflare: Caching → Configuration → Purge Custom Purge of the URL, and a Cache Rule bypassing the cache for that path"
            }
            "Amazon CloudFront" => {
                "CloudFront: an invalidation of /.well-known/pki-validation/*, and a behaviour for that path with caching disabled"
            }
            "Fastly" => "Fastly: purge the URL, and pass that path in VCL",
            "nginx proxy_cache" => {
                "nginx: `proxy_cache_bypass`/`proxy_no_cache` for that path, and delete the entry under proxy_cache_path"
            }
            "Apache mod_cache" => {
                "Apache: `CacheDisable /.well-known/pki-validation/`, and `htcacheclean` for the entry"
            }
            _ => "purge the URL from the cache, and keep that path out of it",
        };
        format!(
            "the file on the server may be right, but a cache in front of it answers with an old copy (from before the file was published, or of an earlier file), and the CA gets the same copy until it expires: purge it and stop caching /.well-known/pki-validation/ ({purge})"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.as_bytes().to_vec(),
            ..Response::default()
        }
    }

    #[test]
    fn challenges_and_blocks_are_named_with_their_service() {
        let cf = resp(
            403,
            &[("server", "cloudflare"), ("cf-mitigated", "challenge")],
            "<html><title>Just a moment...</title></html>",
        );
        assert_eq!(
            obstacle(&cf),
            Some(Obstacle::Challenge {
                status: 403,
                provider: Some("Cloudflare")
            })
        );
        let guard = resp(
            503,
            &[("server", "ddos-guard")],
            "<html><body>Checking your browser before accessing</body></html>",
        );
        assert_eq!(
            obstacle(&guard),
            Some(Obstacle::Challenge {
                status: 503,
                provider: Some("DDoS-Guard")
            })
        );
        let geo = resp(
            403,
            &[
                ("x-amz-cf-id", "abc"),
                ("via", "1.1 x.cloudfront.net (CloudFront)"),
            ],
            "The Amazon CloudFront distribution is configured to block access from your country.",
        );
        assert_eq!(
            obstacle(&geo),
            Some(Obstacle::GeoBlock {
                status: 403,
                provider: Some("Amazon CloudFront")
            })
        );
        // A plain 403 or 503 names nothing.
        assert_eq!(
            obstacle(&resp(403, &[("server", "nginx")], "Forbidden")),
            None
        );
        assert_eq!(obstacle(&resp(503, &[], "Service Unavailable")), None);
    }

    #[test]
    fn windows_authentication_and_rate_limits() {
        let ntlm = resp(
            401,
            &[
                ("www-authenticate", "Negotiate"),
                ("www-authenticate", "NTLM"),
                ("server", "Microsoft-IIS/10.0"),
            ],
            "",
        );
        assert_eq!(
            obstacle(&ntlm),
            Some(Obstacle::WindowsAuth {
                schemes: "Negotiate, NTLM".into()
            })
        );
        assert_eq!(
            obstacle(&resp(401, &[("www-authenticate", "Basic realm=\"x\"")], "")),
            None
        );
        let limited = obstacle(&resp(429, &[("retry-after", "120")], "")).unwrap();
        assert_eq!(limited.detail(), "rate limited (429), retry after 120 s");
        assert!(limited.hint().contains("retry after 120 s"));
    }

    #[test]
    fn cache_hits_are_told_from_misses() {
        let varnish = resp(
            404,
            &[
                ("age", "120"),
                ("x-varnish", "32770 3"),
                ("via", "1.1 varnish (Varnish/7.1)"),
            ],
            "",
        );
        assert_eq!(
            cache_hit(&varnish),
            Some(CacheSeen {
                cache: "Varnish",
                age: Some(120)
            })
        );
        let squid = resp(404, &[("x-cache", "HIT from proxy.lab")], "");
        assert_eq!(cache_hit(&squid).unwrap().cache, "Squid");
        assert_eq!(
            cache_hit(&resp(404, &[("x-cache", "MISS from p")], "")),
            None
        );
        assert_eq!(cache_hit(&resp(404, &[("age", "0")], "")), None);
        assert_eq!(cache_hit(&resp(404, &[("x-varnish", "32770")], "")), None);
    }

    #[test]
    fn iis_404_3_is_named() {
        let page = "<h3>HTTP Error 404.3 - Not Found</h3><p>The page you are requesting cannot be served because of the extension configuration. If the page is a script, add a handler. If the file should be downloaded, add a MIME map.</p>";
        let r = resp(404, &[("server", "Microsoft-IIS/10.0")], page);
        let o = obstacle(&r).unwrap();
        assert_eq!(o.code(), Code::HttpIisMimeMap);
        assert!(o.hint().contains("<mimeMap fileExtension=\".txt\""));
    }
}
