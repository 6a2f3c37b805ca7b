//! docker's words for ages ("3 minutes ago", "Up 5 seconds") from the store's RFC 3339 times.

/// Milliseconds since the epoch of an RFC 3339 UTC time as the store writes it
/// (`2026-12-07T20:17:13.123Z`; an offset is applied), or None.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).filter(|t| t.bytes().all(|c| c.is_ascii_digit())).and_then(|t| t.parse::<i64>().ok());
    let (y, mo, d, h, mi, sec) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut ms = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let frac = &s[start..i];
        if frac.is_empty() {
            return None;
        }
        ms = format!("{:0<3}", &frac[..frac.len().min(3)]).parse().ok()?;
    }
    let offset_min = match &s[i..] {
        "Z" | "z" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) && &o[3..4] == ":" => {
            let v = o[1..3].parse::<i64>().ok()? * 60 + o[4..6].parse::<i64>().ok()?;
            if o.starts_with('-') {
                -v
            } else {
                v
            }
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, m) = if mo <= 2 { (y - 1, mo + 9) } else { (y, mo - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + h * 3600 + mi * 60 + sec - offset_min * 60) * 1000) + ms)
}

fn seconds_since(iso: Option<&str>, now_ms: i64) -> Option<i64> {
    let t = parse_rfc3339(iso?)?;
    // Rounded to the nearest second, as the Node CLI's Math.round did.
    Some(((now_ms - t).max(0) + 500) / 1000)
}

/// "5 seconds ago", "1 hour ago", "Less than a second ago"; "N/A" without a time.
pub fn time_ago(iso: Option<&str>, now_ms: i64) -> String {
    let Some(s) = seconds_since(iso, now_ms) else { return "N/A".into() };
    const STEPS: [(i64, &str); 7] =
        [(31_536_000, "year"), (2_592_000, "month"), (604_800, "week"), (86_400, "day"), (3600, "hour"), (60, "minute"), (1, "second")];
    for (secs, unit) in STEPS {
        let n = s / secs;
        if n >= 1 {
            return format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" });
        }
    }
    "Less than a second ago".into()
}

/// [`time_ago`] without " ago": the "Up 5 seconds" of a status.
pub fn time_since(iso: Option<&str>, now_ms: i64) -> String {
    let t = time_ago(iso, now_ms);
    t.strip_suffix(" ago").map(String::from).unwrap_or(t)
}

/// The CREATED column of `ps`: "12 seconds ago", "3 minutes ago", "2 hours ago", "4 days ago".
pub fn created_ago(iso: &str, now_ms: i64) -> String {
    let s = seconds_since(Some(iso), now_ms).unwrap_or(0);
    match s {
        0..60 => format!("{s} seconds ago"),
        60..3600 => format!("{} minutes ago", s / 60),
        3600..86_400 => format!("{} hours ago", s / 3600),
        _ => format!("{} days ago", s / 86_400),
    }
}

/// Sizes in powers of 1000, as docker prints them: "5.6MB", "12.3kB", "812B".
pub fn human_size(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = bytes;
    let mut i = 0;
    while v >= 1000.0 && i < UNITS.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    let n = if i == 0 {
        format!("{v}")
    } else if v < 10.0 {
        format!("{v:.2}")
    } else if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    };
    format!("{n}{}", UNITS[i])
}

/// Seconds since the epoch as RFC 3339 UTC (days-to-civil from Howard Hinnant's algorithm).
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86400) as i64;
    let rem = secs % 86400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Now as RFC 3339 UTC, to the second.
pub fn rfc3339_now() -> String {
    rfc3339((now_ms() / 1000).max(0) as u64)
}

/// The milliseconds since the epoch now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn rfc3339_times() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2000-03-01T00:00:01.5Z"), Some(951_868_801_500));
        assert_eq!(parse_rfc3339("2000-03-01T01:00:01+01:00"), Some(951_868_801_000));
        assert_eq!(parse_rfc3339(""), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn ages_in_words() {
        let t0 = "2026-01-01T00:00:00.000Z";
        let at = |secs: i64| parse_rfc3339(t0).unwrap() + secs * 1000;
        assert_eq!(time_ago(Some(t0), at(0)), "Less than a second ago");
        assert_eq!(time_ago(Some(t0), at(1)), "1 second ago");
        assert_eq!(time_ago(Some(t0), at(125)), "2 minutes ago");
        assert_eq!(time_ago(Some(t0), at(3600)), "1 hour ago");
        assert_eq!(time_ago(None, at(1)), "N/A");
        assert_eq!(time_since(Some(t0), at(5)), "5 seconds");
        assert_eq!(created_ago(t0, at(61)), "1 minutes ago");
        assert_eq!(created_ago(t0, at(59)), "59 seconds ago");
        assert_eq!(created_ago(t0, at(200_000)), "2 days ago");
    }

    #[test]
    fn sizes() {
        assert_eq!(human_size(812.0), "812B");
        assert_eq!(human_size(5_600_000.0), "5.60MB");
        assert_eq!(human_size(12_345.0), "12.3kB");
        assert_eq!(human_size(123_456_789.0), "123MB");
    }
}
