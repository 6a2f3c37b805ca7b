//! Timestamps without a date crate: RFC 3339 in UTC for records and logs, and a process's
//! start time for pid-reuse detection.

/// The current time as `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`.
pub fn now_rfc3339() -> String {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    format_rfc3339(d.as_secs() as i64, d.subsec_nanos())
}

pub(crate) fn format_rfc3339(secs: i64, nanos: u32) -> String {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{nanos:09}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z.rem_euclid(146097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Field 22 of /proc/PID/stat, or None if the process is gone or a zombie.
pub fn proc_start_time(pid: i32) -> Option<u64> {
    if pid <= 0 {
        return None;
    }
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&s)
}

/// The parent pid (field 4 of /proc/PID/stat) of a live process.
pub fn proc_parent(pid: i32) -> Option<i32> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    after_comm(&s)?.split(' ').nth(1)?.parse().ok()
}

/// The stat line from field 3 on: the command name (field 2) may contain spaces and
/// parentheses, so the split is after the last ')'.
fn after_comm(s: &str) -> Option<&str> {
    s.get(s.rfind(')')? + 2..)
}

fn parse_stat(s: &str) -> Option<u64> {
    let rest = after_comm(s)?;
    let mut fields = rest.split(' ');
    let state = fields.next()?;
    if state == "Z" || state == "X" {
        return None;
    }
    // `rest` starts at field 3; field 22 is 19 further on.
    fields.nth(18)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_rfc3339(0, 0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(format_rfc3339(951782400, 5), "2000-02-29T00:00:00.000000005Z");
        assert_eq!(format_rfc3339(1798761600 + 3661, 0), "2027-01-01T01:01:01.000000000Z");
    }

    #[test]
    fn parses_stat_with_odd_comm() {
        let line = "42 (a) b) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 777 1000 100";
        assert_eq!(parse_stat(line), Some(777));
        let zombie = "42 (x) Z 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 777 1000 100";
        assert_eq!(parse_stat(zombie), None);
    }

    #[test]
    fn fields_after_the_command_name_survive_odd_names() {
        let f: Vec<&str> = after_comm("12 (a) b) (c) S 1 12 12").unwrap().split(' ').collect();
        assert_eq!(f[0], "S");
        assert_eq!(f[1], "1");
    }

    #[test]
    fn reads_our_own_start_time() {
        assert!(proc_start_time(std::process::id() as i32).is_some());
        assert!(proc_start_time(0).is_none());
    }
}
