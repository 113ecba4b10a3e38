//! Durations as people write them in suite files and flags: `90s`, `2m`,
//! `1h30m` (humantime's syntax).

use std::time::Duration;

use super::error::TestingError;

/// Parse a duration with a unit. A bare number is rejected rather than
/// guessed at (seconds? minutes?).
pub fn parse_duration(text: &str) -> Result<Duration, TestingError> {
    let trimmed = text.trim();
    let error = |message: String| TestingError::Duration {
        value: text.to_string(),
        message,
    };
    if trimmed.is_empty() {
        return Err(error("it is empty".to_string()));
    }
    if trimmed.chars().all(|c| c.is_ascii_digit()) {
        return Err(error(format!(
            "a number needs a unit: {trimmed}s, {trimmed}m or {trimmed}h"
        )));
    }
    let duration = humantime::parse_duration(trimmed).map_err(|e| error(e.to_string()))?;
    if duration.is_zero() {
        return Err(error("it must be longer than zero".to_string()));
    }
    Ok(duration)
}

/// A duration as [`parse_duration`] reads it (`1h30m`, `90s`, `250ms`).
pub fn format_duration(duration: Duration) -> String {
    humantime::format_duration(duration)
        .to_string()
        .replace(' ', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        let cases = [
            ("90s", 90),
            ("2m", 120),
            ("1h30m", 5400),
            (" 45s ", 45),
            ("1m30s", 90),
        ];
        for (text, seconds) in cases {
            assert_eq!(
                parse_duration(text).unwrap(),
                Duration::from_secs(seconds),
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_with_a_reason() {
        let cases = [
            ("30", "needs a unit: 30s"),
            ("", "empty"),
            ("2 parsecs", "unknown time unit"),
            ("0s", "longer than zero"),
        ];
        for (text, needle) in cases {
            let err = parse_duration(text).unwrap_err();
            let shown = err.to_string();
            assert!(shown.contains(needle), "{text}: {shown}");
            assert!(err.hint().unwrap().contains("1h30m"));
        }
    }

    #[test]
    fn formats_what_it_parses() {
        for seconds in [1, 90, 5400] {
            let d = Duration::from_secs(seconds);
            assert_eq!(parse_duration(&format_duration(d)).unwrap(), d);
        }
    }
}
