//! Calendar arithmetic without a date library: unix seconds to RFC 3339
//! UTC and back, and `YYYY-MM-DD` dates as day numbers (Howard Hinnant's
//! civil-from-days algorithms, proleptic Gregorian calendar). Pure, except
//! [`now`] which reads the system clock.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the unix epoch now (0 if the clock is before 1970).
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A calendar date (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i64,
    pub month: u32,
    pub day: u32,
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Date {
    /// Days since 1970-01-01 (negative before).
    pub fn days(self) -> i64 {
        let y = if self.month <= 2 {
            self.year - 1
        } else {
            self.year
        };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let mp = if m > 2 { m - 3 } else { m + 9 };
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date of a day number (days since 1970-01-01).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date { year, month, day }
    }

    /// The UTC date of a unix time.
    pub fn of_unix(secs: i64) -> Date {
        Date::from_days(secs.div_euclid(86_400))
    }

    /// Midnight UTC at the start of this date, as a unix time.
    pub fn unix(self) -> i64 {
        self.days() * 86_400
    }

    /// Today's date (UTC).
    pub fn today() -> Date {
        Date::of_unix(now())
    }
}

impl std::str::FromStr for Date {
    type Err = String;

    /// `YYYY-MM-DD`, a real calendar date.
    fn from_str(s: &str) -> Result<Date, String> {
        let bad = || format!("{s:?} is not a date YYYY-MM-DD");
        let parts: Vec<&str> = s.split('-').collect();
        let [y, m, d] = parts.as_slice() else {
            return Err(bad());
        };
        let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
        if !digits(y, 4) || !digits(m, 2) || !digits(d, 2) {
            return Err(bad());
        }
        let date = Date {
            year: y.parse().map_err(|_| bad())?,
            month: m.parse().map_err(|_| bad())?,
            day: d.parse().map_err(|_| bad())?,
        };
        // A date that does not survive the round trip (02-30, 13-01) is not one.
        if date.month == 0 || date.day == 0 || Date::from_days(date.days()) != date {
            return Err(format!("{s:?} is not a calendar date"));
        }
        Ok(date)
    }
}

/// `2026-07-01T12:00:05Z`: RFC 3339 in UTC, whole seconds.
pub fn rfc3339(secs: i64) -> String {
    let date = Date::of_unix(secs);
    let t = secs.rem_euclid(86_400);
    format!("{date}T{:02}:{:02}:{:02}Z", t / 3600, (t / 60) % 60, t % 60)
}

/// The unix time of an RFC 3339 timestamp (`Z` or a `±HH:MM` offset;
/// fractions of a second are dropped).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    if s.len() < 20 || !s.is_ascii() {
        return None;
    }
    let date: Date = s.get(..10)?.parse().ok()?;
    let rest = &s[10..];
    if !matches!(rest.as_bytes()[0], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: &str| -> Option<i64> {
        (r.len() == 2 && r.bytes().all(|b| b.is_ascii_digit())).then(|| r.parse().ok())?
    };
    let (h, m, sec) = (
        num(rest.get(1..3)?)?,
        num(rest.get(4..6)?)?,
        num(rest.get(7..9)?)?,
    );
    if &rest[3..4] != ":" || &rest[6..7] != ":" || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let mut zone = &rest[9..];
    if let Some(frac) = zone.strip_prefix('.') {
        let end = frac.find(|c: char| !c.is_ascii_digit())?;
        if end == 0 {
            return None;
        }
        zone = &frac[end..];
    }
    let offset = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = match zone.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if zone.len() != 6 || &zone[3..4] != ":" {
                return None;
            }
            sign * (num(&zone[1..3])? * 3600 + num(&zone[4..6])? * 60)
        }
    };
    Some(date.unix() + h * 3600 + m * 60 + sec - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values from `date -u -d @SECS` (GNU coreutils).
    #[test]
    fn unix_times_render_as_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_781_913_605), "2026-06-20T00:00:05Z");
        assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn dates_parse_and_convert() {
        let d: Date = "2026-06-15".parse().unwrap();
        // date -u -d 2026-06-15 +%s
        assert_eq!(d.unix(), 1_781_481_600);
        assert_eq!(Date::of_unix(1_781_481_600 + 86_399), d);
        assert_eq!(d.to_string(), "2026-06-15");
        assert!("2024-02-29".parse::<Date>().is_ok());
        for bad in [
            "2025-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-6-15",
            "x",
            "2026-06-15T",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
        assert!("2026-03-15".parse::<Date>().unwrap() < d);
    }

    #[test]
    fn rfc3339_round_trips_and_honours_offsets() {
        for t in [0, 951_782_400, 1_781_913_605, 4_102_444_799] {
            assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t));
        }
        assert_eq!(
            parse_rfc3339("2026-06-20T02:00:05.123+02:00"),
            Some(1_781_913_605)
        );
        for bad in [
            "2026-06-20",
            "2026-06-20T25:00:00Z",
            "2026-06-20T00:00:00",
            "2026-06-20T00:00:00.Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
