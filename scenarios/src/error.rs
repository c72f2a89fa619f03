//! Input errors that point at the place: file, line, column, field, value, and what was
//! expected. Every bad scenario, data file or flag ends here and exits with code 2.

use std::fmt;

/// A located input error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// The file (as given, or `<catalogue>/NAME.toml`, or `<bundled>/data/...`).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The field (`trips[0].pickup`, `edges.csv column length_m`).
    pub field: String,
    /// The offending value, as written.
    pub value: Option<String>,
    /// What is wrong and what was expected.
    pub expected: String,
    /// A suggestion ("did you mean ...").
    pub hint: Option<String>,
}

impl InputError {
    /// An error at a byte offset of `source`.
    pub fn at(
        file: &str,
        source: &str,
        offset: Option<usize>,
        field: impl Into<String>,
    ) -> InputError {
        let (line, column) = match offset {
            Some(o) => {
                let (l, c) = line_col(source, o);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        InputError {
            file: file.to_string(),
            line,
            column,
            field: field.into(),
            value: None,
            expected: String::new(),
            hint: None,
        }
    }

    /// An error on a line of a data file.
    pub fn on_line(file: &str, line: usize, field: impl Into<String>) -> InputError {
        InputError {
            file: file.to_string(),
            line: Some(line),
            column: None,
            field: field.into(),
            value: None,
            expected: String::new(),
            hint: None,
        }
    }

    /// Sets the value.
    pub fn value(mut self, v: impl Into<String>) -> Self {
        self.value = Some(v.into());
        self
    }

    /// Sets what was expected.
    pub fn expected(mut self, e: impl Into<String>) -> Self {
        self.expected = e.into();
        self
    }

    /// Sets a hint.
    pub fn hint(mut self, h: impl Into<String>) -> Self {
        self.hint = Some(h.into());
        self
    }
}

/// 1-based line and column (in characters) of byte `offset` in `source`.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..floor_char_boundary(source, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": field `{}`", self.field)?;
        if let Some(v) = &self.value {
            write!(f, " = {v:?}")?;
        }
        write!(f, ": {}", self.expected)?;
        if let Some(h) = &self.hint {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// "did you mean `x`?" for the closest of `candidates` to `word`, if any is close.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let lower = word.to_lowercase();
    let best = candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(&lower, &c.to_lowercase()), c))
        .min_by_key(|(d, c)| (*d, c.to_string()))?;
    let limit = (word.chars().count() / 2).max(2);
    (best.0 <= limit).then(|| format!("did you mean `{}`?", best.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        let src = "a = 1\nbb = 2\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        assert_eq!(line_col(src, 11), (2, 6));
    }

    #[test]
    fn suggestions_only_when_close() {
        assert_eq!(
            did_you_mean("pickpu", ["pickup", "dropoff"]).as_deref(),
            Some("did you mean `pickup`?")
        );
        assert_eq!(did_you_mean("zzzzzzzz", ["pickup", "dropoff"]), None);
    }

    #[test]
    fn display_names_everything() {
        let e = InputError::on_line("x.csv", 3, "speed_kmh")
            .value("-5")
            .expected("a positive speed");
        assert_eq!(
            e.to_string(),
            "x.csv:3: field `speed_kmh` = \"-5\": a positive speed"
        );
    }
}
