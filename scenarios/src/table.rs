//! CSV files read with their line numbers, so that every bad cell is reported with its
//! file, line, column (the character position of the cell), column name, value and what
//! was expected.

use std::str::FromStr;

use sim_core::world::RoadClass;

use crate::error::{did_you_mean, InputError};

/// A parsed CSV file: header and records with their line numbers.
pub(crate) struct Table<'a> {
    pub file: std::borrow::Cow<'a, str>,
    headers: Vec<String>,
    pub rows: Vec<(usize, csv::StringRecord)>,
}

impl<'a> Table<'a> {
    pub fn read(file: &'a str, text: &str, required: &[&str]) -> Result<Table<'a>, InputError> {
        Self::read_as(std::borrow::Cow::Borrowed(file), text, required)
    }

    /// Reads the CSV file at `path` (an output file: its path is its label).
    pub fn read_path(
        path: &std::path::Path,
        required: &[&str],
    ) -> Result<Table<'static>, InputError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            InputError::at(&file, "", None, "(file)").expected(format!("a readable CSV file ({e})"))
        })?;
        Table::read_as(std::borrow::Cow::Owned(file), &text, required)
    }

    fn read_as(
        file: std::borrow::Cow<'a, str>,
        text: &str,
        required: &[&str],
    ) -> Result<Table<'a>, InputError> {
        let file_ref: &str = &file;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| {
                InputError::on_line(file_ref, 1, "header")
                    .expected(format!("a CSV header row ({e})"))
            })?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        for col in required {
            if !headers.iter().any(|h| h == col) {
                let mut err = InputError::on_line(file_ref, 1, "header")
                    .value(headers.join(","))
                    .expected(format!(
                        "a column named `{col}` (columns: {})",
                        required.join(", ")
                    ));
                if let Some(h) = did_you_mean(col, headers.iter().map(String::as_str)) {
                    err = err.hint(h);
                }
                return Err(err);
            }
        }
        let mut rows = Vec::new();
        for rec in reader.records() {
            match rec {
                Ok(r) => {
                    let line = r.position().map_or(0, |p| p.line() as usize);
                    rows.push((line, r));
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line() as usize);
                    return Err(InputError::on_line(file_ref, line, "row")
                        .expected(format!("a well-formed CSV row ({e})")));
                }
            }
        }
        Ok(Table {
            file,
            headers,
            rows,
        })
    }

    /// The header's column names.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    pub fn raw<'r>(&self, row: &'r csv::StringRecord, col: &str) -> &'r str {
        let i = self
            .headers
            .iter()
            .position(|h| h == col)
            .expect("required column checked");
        row.get(i).unwrap_or("").trim()
    }

    pub fn class(
        &self,
        line: usize,
        row: &csv::StringRecord,
        col: &str,
    ) -> Result<RoadClass, InputError> {
        let raw = self.raw(row, col);
        RoadClass::parse(raw).ok_or_else(|| {
            self.err(line, row, col)
                .expected("one of `expressway`, `urban_expressway`, `arterial`, `connector`")
        })
    }

    pub fn share(&self, line: usize, row: &csv::StringRecord) -> Result<f64, InputError> {
        self.parse(line, row, "share", "a share from 0 to 1", |v: &f64| {
            (0.0..=1.0).contains(v)
        })
    }

    pub fn parse<T: FromStr>(
        &self,
        line: usize,
        row: &csv::StringRecord,
        col: &str,
        expected: &str,
        ok: impl Fn(&T) -> bool,
    ) -> Result<T, InputError> {
        let raw = self.raw(row, col);
        match raw.parse::<T>() {
            Ok(v) if ok(&v) => Ok(v),
            _ => Err(self.err(line, row, col).expected(expected.to_string())),
        }
    }

    /// Like [`Table::parse`] for an optional column: `None` when the file has no such
    /// column or the cell is empty.
    pub fn parse_opt<T: FromStr>(
        &self,
        line: usize,
        row: &csv::StringRecord,
        col: &str,
        expected: &str,
        ok: impl Fn(&T) -> bool,
    ) -> Result<Option<T>, InputError> {
        if !self.has(col) || self.raw(row, col).is_empty() {
            return Ok(None);
        }
        self.parse(line, row, col, expected, ok).map(Some)
    }

    /// Whether the file has a column `col`.
    pub fn has(&self, col: &str) -> bool {
        self.headers.iter().any(|h| h == col)
    }

    /// An error at the cell `col` of `row` (line `line`), with its value.
    pub fn err(&self, line: usize, row: &csv::StringRecord, col: &str) -> InputError {
        let i = self.headers.iter().position(|h| h == col).unwrap_or(0);
        // The cell's character column: the cells before it and their commas.
        let column = 1 + row
            .iter()
            .take(i)
            .map(|f| f.chars().count() + 1)
            .sum::<usize>();
        let mut e = InputError::on_line(&self.file, line, col).value(self.raw(row, col));
        e.column = Some(column);
        e
    }
}
