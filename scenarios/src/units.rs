//! Parsing of the units scenarios are written in: durations (`90min`, `1h30min`, `2d`),
//! clock times (`09:00`, `d2 08:30`, `24:00`) and dates (`2026-11-23`).

use sim_core::time::{SimDuration, SimTime, MS_PER_DAY, MS_PER_H, MS_PER_MIN, MS_PER_S};

/// What a duration looks like, for error messages.
pub const DURATION_EXPECTED: &str =
    "a positive duration such as `30s`, `90min`, `2h`, `1h30min` or `1d`";
/// What a clock time looks like, for error messages.
pub const CLOCK_EXPECTED: &str =
    "a time of day `HH:MM` or `HH:MM:SS` (00:00-24:00), optionally on a later day as `d2 HH:MM`";

/// Parses a duration made of one or more `<number><unit>` parts (units: ms, s, min, h, d).
/// Zero is allowed; a sign is not.
pub fn parse_duration(s: &str) -> Option<SimDuration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = rest[..unit_len].trim();
        rest = &rest[unit_len..];
        let ms_per = match unit {
            "ms" => 1,
            "s" | "sec" => MS_PER_S,
            "m" | "min" => MS_PER_MIN,
            "h" => MS_PER_H,
            "d" => MS_PER_DAY,
            _ => return None,
        };
        let ms = number * ms_per as f64;
        if !ms.is_finite() || ms.fract() != 0.0 || ms > 1e15 {
            return None;
        }
        total = total.checked_add(ms as u64)?;
    }
    Some(SimDuration(total))
}

/// Parses a clock time on the run's first day (`HH:MM`, `HH:MM:SS`, `24:00` is the end
/// of the day) or on day N (`dN HH:MM`, d1 being the first day).
pub fn parse_clock(s: &str) -> Option<SimTime> {
    let s = s.trim();
    let (day, hms) = match s.strip_prefix('d') {
        Some(rest) => {
            let (d, t) = rest.split_once(' ')?;
            let d: u64 = d.parse().ok()?;
            if d == 0 {
                return None;
            }
            (d - 1, t.trim())
        }
        None => (0, s),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let h: u64 = parts[0].parse().ok()?;
    let m: u64 = parts[1].parse().ok()?;
    let sec: u64 = parts.get(2).map_or(Some(0), |p| p.parse().ok())?;
    if m > 59 || sec > 59 || h > 24 || (h == 24 && (m > 0 || sec > 0)) {
        return None;
    }
    Some(SimTime::from_day_hms(day, h, m, sec))
}

/// Parses a run length: a clock time (the run stops then) or a duration from the start.
pub fn parse_until(s: &str) -> Option<SimTime> {
    if s.contains(':') {
        parse_clock(s)
    } else {
        parse_duration(s).map(|d| SimTime::ZERO + d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90min"), Some(SimDuration::from_mins(90)));
        assert_eq!(parse_duration("1h30min"), Some(SimDuration::from_mins(90)));
        assert_eq!(parse_duration("2d"), Some(SimDuration::from_hours(48)));
        assert_eq!(parse_duration("1.5h"), Some(SimDuration::from_mins(90)));
        assert_eq!(parse_duration("0s"), Some(SimDuration::ZERO));
        for bad in ["", "-2h", "2", "h", "2 weeks", "1.0001ms", "3x"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn clocks() {
        assert_eq!(
            parse_clock("09:00"),
            Some(SimTime::from_day_hms(0, 9, 0, 0))
        );
        assert_eq!(
            parse_clock("10:30:15"),
            Some(SimTime::from_day_hms(0, 10, 30, 15))
        );
        assert_eq!(
            parse_clock("24:00"),
            Some(SimTime::from_day_hms(1, 0, 0, 0))
        );
        assert_eq!(
            parse_clock("d2 08:00"),
            Some(SimTime::from_day_hms(1, 8, 0, 0))
        );
        for bad in ["9:00", "25:00", "10:60", "24:01", "d0 10:00", "noon"] {
            assert_eq!(parse_clock(bad), None, "{bad}");
        }
        assert_eq!(parse_until("2d"), Some(SimTime::from_day_hms(2, 0, 0, 0)));
        assert_eq!(
            parse_until("18:00"),
            Some(SimTime::from_day_hms(0, 18, 0, 0))
        );
    }
}
