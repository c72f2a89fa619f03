//! Changing a scenario without editing it: `--set PATH=VALUE` and `--overlay FILE.toml`.
//!
//! - `--set demand.bookings_per_day=20000`, `--set depots.0.vehicles=120` (or
//!   `depots[0].vehicles`), `--set depots.*.vehicles=80` (every element). The value is read
//!   as TOML (`2`, `1.5`, `true`, `"x"`, `[1, 2]`); anything else is a string (`batch`,
//!   `1h`, `18:30`). Missing tables on the way are created; a misspelt field is then the
//!   scenario's own "unknown field" error, pointed at the flag.
//! - `--overlay extra.toml`: its tables are merged into the scenario's, its arrays of
//!   tables (`[[incidents]]`, `[[notifier.outages]]`) are appended, any other value
//!   replaces the scenario's.
//!
//! Overlays apply first, in order, then the `--set` flags, in order. The merged document is
//! what is parsed and resolved; every error found in it is moved back to where its value
//! came from ([`Merged::relocate`]): the scenario file's line, the overlay file's line, or
//! the flag.

use crate::error::InputError;
use crate::located::{offset_of, parse_toml, PathKey, Source};

/// The overrides of one run, as given on the command line.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `PATH=VALUE`, in order.
    pub sets: Vec<String>,
    /// Overlay files, read, in order.
    pub overlays: Vec<Source>,
    /// `PATH=VALUE`s a sweep or a search sets after the user's, each with the flag it came
    /// from (`--grid`, `--vary`), which an error in its value names.
    pub derived: Vec<(&'static str, String)>,
}

impl Overrides {
    /// Reads each overlay file (a missing file is an error naming the flag).
    pub fn new(
        sets: Vec<String>,
        overlay_paths: &[std::path::PathBuf],
    ) -> Result<Self, InputError> {
        let overlays = overlay_paths
            .iter()
            .map(|p| {
                let label = p.display().to_string();
                std::fs::read_to_string(p)
                    .map(|text| Source {
                        label: label.clone(),
                        text,
                    })
                    .map_err(|e| {
                        InputError::at("<command line>", "", None, "--overlay")
                            .value(label)
                            .expected(format!("a readable TOML file ({e})"))
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Overrides {
            sets,
            overlays,
            derived: Vec::new(),
        })
    }

    /// No flag given.
    pub fn is_empty(&self) -> bool {
        self.sets.is_empty() && self.overlays.is_empty() && self.derived.is_empty()
    }

    /// For the manifest: the flags and each overlay with its hash.
    pub fn manifest(&self) -> serde_json::Value {
        serde_json::json!({
            "set": self.sets,
            "derived": self.derived.iter().map(|(f, raw)| format!("{f} {raw}")).collect::<Vec<_>>(),
            "overlays": self.overlays.iter().map(|o| serde_json::json!({
                "file": o.label,
                "hash": crate::located::fnv_hex(&[&o.text]),
            })).collect::<Vec<_>>(),
        })
    }
}

/// One step of a path into the document.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Where a value of the merged document came from.
#[derive(Clone, Debug)]
enum Origin {
    /// A flag and its value, as written (`--set depots.0.vehicles=3`).
    Flag(String),
    /// Overlay `overlay` (index into [`Overrides::overlays`]), at `path` in that file.
    Overlay { overlay: usize, path: Vec<Step> },
}

/// The scenario with its overrides applied, and where each overridden value came from.
#[derive(Clone, Debug)]
pub struct Merged {
    /// The merged scenario: the base's label, the merged text.
    pub src: Source,
    base: Source,
    overlays: Vec<Source>,
    origins: Vec<(Vec<Step>, Origin)>,
}

/// Applies `o` to `base`. Without overrides the base text is kept as written.
pub fn apply(base: Source, o: &Overrides) -> Result<Merged, InputError> {
    let mut merged = Merged {
        src: base.clone(),
        base,
        overlays: o.overlays.clone(),
        origins: Vec::new(),
    };
    if o.is_empty() {
        return Ok(merged);
    }
    let mut doc: toml::Table = parse_toml(&merged.base)?;
    for (i, overlay) in o.overlays.iter().enumerate() {
        let table: toml::Table = parse_toml(overlay)?;
        merge_table(&mut doc, table, &mut Vec::new(), i, &mut merged.origins);
    }
    let flags = (o.sets.iter().map(|raw| ("--set", raw)))
        .chain(o.derived.iter().map(|(flag, raw)| (*flag, raw)));
    for (flag, raw) in flags {
        apply_set(&mut doc, (flag, raw), &mut merged.origins)?;
    }
    merged.src.text = toml::to_string(&doc).map_err(|e| {
        InputError::at(&merged.base.label, "", None, "(document)")
            .expected(format!("a document that can be written back as TOML ({e})"))
    })?;
    Ok(merged)
}

/// Merges an overlay's `from` into `into` (at `path`), recording the origin of each value.
fn merge_table(
    into: &mut toml::Table,
    from: toml::Table,
    path: &mut Vec<Step>,
    overlay: usize,
    origins: &mut Vec<(Vec<Step>, Origin)>,
) {
    for (key, value) in from {
        path.push(Step::Key(key.clone()));
        match (into.get_mut(&key), value) {
            (Some(toml::Value::Table(dst)), toml::Value::Table(src)) => {
                merge_table(dst, src, path, overlay, origins);
            }
            (Some(toml::Value::Array(dst)), toml::Value::Array(src)) if is_tables(&src) => {
                for (i, v) in src.into_iter().enumerate() {
                    let mut at = path.clone();
                    at.push(Step::Index(dst.len()));
                    let mut in_overlay = path.clone();
                    in_overlay.push(Step::Index(i));
                    origins.push((
                        at,
                        Origin::Overlay {
                            overlay,
                            path: in_overlay,
                        },
                    ));
                    dst.push(v);
                }
            }
            (_, v) => {
                let origin = Origin::Overlay {
                    overlay,
                    path: path.clone(),
                };
                origins.push((path.clone(), origin));
                into.insert(key, v);
            }
        }
        path.pop();
    }
}

fn is_tables(a: &[toml::Value]) -> bool {
    !a.is_empty() && a.iter().all(toml::Value::is_table)
}

/// Applies one `--set PATH=VALUE`.
fn apply_set(
    doc: &mut toml::Table,
    (flag, raw): (&str, &str),
    origins: &mut Vec<(Vec<Step>, Origin)>,
) -> Result<(), InputError> {
    let label = format!("{flag} {raw}");
    let flag_err = |field: &str, expected: String| {
        InputError::at(&label, "", None, field)
            .value(raw)
            .expected(expected)
    };
    let Some((path, value)) = raw.split_once('=') else {
        return Err(flag_err(
            "--set",
            "PATH=VALUE, such as demand.bookings_per_day=20000".into(),
        ));
    };
    let steps = parse_set_path(path.trim()).map_err(|e| flag_err(path, e))?;
    let value = parse_value(value.trim());
    let mut done = Vec::new();
    let mut root = toml::Value::Table(std::mem::take(doc));
    let result = set_at(&mut root, &steps, &value, &mut Vec::new(), &mut done);
    if let toml::Value::Table(t) = root {
        *doc = t;
    }
    result.map_err(|e| flag_err(path.trim(), e))?;
    origins.extend(done.into_iter().map(|p| (p, Origin::Flag(label.clone()))));
    Ok(())
}

/// A `--set` path step: a key, an index, or `*` (every element of an array).
#[derive(Clone, Debug, PartialEq, Eq)]
enum SetStep {
    Key(String),
    Index(usize),
    Every,
}

/// `a.b.0.c`, `a.b[0].c`, `a.*.c`.
fn parse_set_path(path: &str) -> Result<Vec<SetStep>, String> {
    const EXPECTED: &str = "a dotted path such as demand.bookings_per_day, depots.0.vehicles, \
                            depots[0].vehicles or depots.*.vehicles";
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (name, rest) = part
            .split_once('[')
            .map_or((part, None), |(n, r)| (n, Some(r)));
        match name {
            "" if rest.is_none() => return Err(EXPECTED.into()),
            "" => {}
            "*" => steps.push(SetStep::Every),
            n if n.bytes().all(|b| b.is_ascii_digit()) => {
                steps.push(SetStep::Index(n.parse().map_err(|_| EXPECTED.to_string())?));
            }
            n => steps.push(SetStep::Key(n.to_string())),
        }
        for index in rest.into_iter().flat_map(|r| r.split('[')) {
            let i = index.strip_suffix(']').ok_or(EXPECTED)?;
            steps.push(match i {
                "*" => SetStep::Every,
                i => SetStep::Index(i.parse().map_err(|_| EXPECTED.to_string())?),
            });
        }
    }
    if steps.is_empty() {
        return Err(EXPECTED.into());
    }
    Ok(steps)
}

/// The value as TOML if it reads as TOML, else the text as a string.
fn parse_value(raw: &str) -> toml::Value {
    format!("v = {raw}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()))
}

/// Sets `value` at `steps` under `at` (whose path is `path`), pushing every path set.
fn set_at(
    at: &mut toml::Value,
    steps: &[SetStep],
    value: &toml::Value,
    path: &mut Vec<Step>,
    done: &mut Vec<Vec<Step>>,
) -> Result<(), String> {
    let Some((step, rest)) = steps.split_first() else {
        *at = value.clone();
        done.push(path.clone());
        return Ok(());
    };
    let here = describe(path);
    match (step, at) {
        (SetStep::Key(k), toml::Value::Table(t)) => {
            if !t.contains_key(k) && !rest.is_empty() {
                if !matches!(rest[0], SetStep::Key(_)) {
                    return Err(format!(
                        "`{k}` to exist in {here} before an element of it is set"
                    ));
                }
                t.insert(k.clone(), toml::Value::Table(toml::Table::new()));
                // The flag made this table: errors about it (a missing field) are the flag's.
                let mut made = path.clone();
                made.push(Step::Key(k.clone()));
                done.push(made);
            }
            let child = t.entry(k.clone()).or_insert_with(|| value.clone());
            path.push(Step::Key(k.clone()));
            let r = set_at(child, rest, value, path, done);
            path.pop();
            r
        }
        (SetStep::Index(i), toml::Value::Array(a)) => {
            let len = a.len();
            let child = a
                .get_mut(*i)
                .ok_or_else(|| format!("an index below {len} ({here} has {len} entries)"))?;
            path.push(Step::Index(*i));
            let r = set_at(child, rest, value, path, done);
            path.pop();
            r
        }
        (SetStep::Every, toml::Value::Array(a)) => {
            if a.is_empty() {
                return Err(format!("{here} to have entries for `*` to set"));
            }
            for (i, child) in a.iter_mut().enumerate() {
                path.push(Step::Index(i));
                let r = set_at(child, rest, value, path, done);
                path.pop();
                r?;
            }
            Ok(())
        }
        (SetStep::Key(k), other) => Err(format!(
            "{here} to be a table with `{k}` (it is {})",
            other.type_str()
        )),
        (_, other) => Err(format!(
            "{here} to be an array for an index (it is {})",
            other.type_str()
        )),
    }
}

fn describe(path: &[Step]) -> String {
    if path.is_empty() {
        "the scenario".into()
    } else {
        format!("`{}`", field_text(path))
    }
}

fn field_text(path: &[Step]) -> String {
    crate::located::field_of(&keys(path))
}

/// The steps as the locator's path keys.
fn keys(path: &[Step]) -> Vec<PathKey<'_>> {
    (path.iter())
        .map(|s| match s {
            Step::Key(k) => PathKey::Key(k),
            Step::Index(i) => PathKey::Index(*i),
        })
        .collect()
}

/// Reads back an error's field (`a.b[0].c`) as steps.
fn field_steps(field: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    for part in field.split('.') {
        let mut pieces = part.split('[');
        if let Some(name) = pieces.next().filter(|n| !n.is_empty()) {
            steps.push(Step::Key(name.to_string()));
        }
        for p in pieces {
            if let Some(i) = p.strip_suffix(']').and_then(|i| i.parse().ok()) {
                steps.push(Step::Index(i));
            }
        }
    }
    steps
}

impl Merged {
    /// Moves an error found in the merged document to where its value was written.
    pub fn relocate(&self, e: InputError) -> InputError {
        if self.origins.is_empty() && self.overlays.is_empty() || e.file != self.src.label {
            return e;
        }
        let steps = field_steps(&e.field);
        let origin = self
            .origins
            .iter()
            .enumerate()
            .filter(|(_, (p, _))| steps.starts_with(p))
            .max_by_key(|(i, (p, _))| (p.len(), *i))
            .map(|(_, o)| o);
        let (label, text, path) = match origin {
            Some((_, Origin::Flag(label))) => {
                return InputError {
                    file: label.clone(),
                    line: None,
                    column: None,
                    ..e
                };
            }
            Some((prefix, Origin::Overlay { overlay, path })) => {
                let o = &self.overlays[*overlay];
                let mut p = path.clone();
                p.extend_from_slice(&steps[prefix.len()..]);
                (&o.label, &o.text, p)
            }
            None => (&self.base.label, &self.base.text, steps),
        };
        let offset = (0..=path.len())
            .rev()
            .find_map(|n| offset_of(text, &keys(&path[..n])));
        InputError {
            value: e.value,
            expected: e.expected,
            hint: e.hint,
            ..InputError::at(label, text, offset, e.field)
        }
    }

    /// Hash of the scenario file as written.
    pub fn base_hash(&self) -> String {
        crate::located::fnv_hex(&[&self.base.text])
    }

    /// Hash of the merged text (equal to the scenario's when nothing was overridden).
    pub fn hash(&self) -> String {
        crate::located::fnv_hex(&[&self.src.text])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(label: &str, text: &str) -> Source {
        Source {
            label: label.into(),
            text: text.into(),
        }
    }

    const BASE: &str = "name = \"t\"\n\n[demand]\nbookings_per_day = 10.0\n\n[[depots]]\nat = \"A\"\nvehicles = 2\n\n[[depots]]\nat = \"B\"\nvehicles = 3\n";

    fn merged(sets: &[&str], overlays: &[(&str, &str)]) -> Result<Merged, InputError> {
        let o = Overrides {
            sets: sets.iter().map(|s| s.to_string()).collect(),
            overlays: overlays.iter().map(|(l, t)| src(l, t)).collect(),
            derived: Vec::new(),
        };
        apply(src("base.toml", BASE), &o)
    }

    fn doc(m: &Merged) -> toml::Table {
        m.src.text.parse().unwrap()
    }

    #[test]
    fn sets_scalars_indices_and_every_element() {
        let m = merged(
            &[
                "demand.bookings_per_day=20000",
                "depots[1].vehicles=7",
                "depots.0.at=C",
            ],
            &[],
        )
        .unwrap();
        let d = doc(&m);
        assert_eq!(d["demand"]["bookings_per_day"].as_integer(), Some(20000));
        assert_eq!(d["depots"][1]["vehicles"].as_integer(), Some(7));
        assert_eq!(d["depots"][0]["at"].as_str(), Some("C"));
        let m = merged(&["depots.*.vehicles=9", "settlement.mode=batch"], &[]).unwrap();
        let d = doc(&m);
        assert_eq!(d["depots"][0]["vehicles"].as_integer(), Some(9));
        assert_eq!(d["depots"][1]["vehicles"].as_integer(), Some(9));
        assert_eq!(d["settlement"]["mode"].as_str(), Some("batch"));
        // An error about a table the flag made is the flag's.
        let e = m.relocate(InputError::at(&m.src.label, "", None, "settlement").expected("e"));
        assert_eq!(e.file, "--set settlement.mode=batch");
    }

    #[test]
    fn bad_flags_name_the_flag() {
        let e = merged(&["depots.5.vehicles=1"], &[]).unwrap_err();
        assert_eq!(e.file, "--set depots.5.vehicles=1");
        assert!(e.expected.contains("below 2"), "{e}");
        let e = merged(&["demand.bookings_per_day.x=1"], &[]).unwrap_err();
        assert!(e.expected.contains("table"), "{e}");
        let e = merged(&["novalue"], &[]).unwrap_err();
        assert!(e.expected.contains("PATH=VALUE"), "{e}");
        let e = merged(&["a..b=1"], &[]).unwrap_err();
        assert!(e.expected.contains("dotted path"), "{e}");
    }

    #[test]
    fn overlays_merge_tables_and_append_tables_of_arrays() {
        let m = merged(
            &[],
            &[(
                "extra.toml",
                "[demand]\nmultiplier = 2\n\n[[depots]]\nat = \"Z\"\nvehicles = 1\n",
            )],
        )
        .unwrap();
        let d = doc(&m);
        assert_eq!(d["demand"]["bookings_per_day"].as_float(), Some(10.0));
        assert_eq!(d["demand"]["multiplier"].as_integer(), Some(2));
        assert_eq!(d["depots"].as_array().unwrap().len(), 3);
        assert_eq!(d["depots"][2]["at"].as_str(), Some("Z"));
    }

    #[test]
    fn errors_move_back_to_where_the_value_was_written() {
        let m = merged(
            &["depots.1.vehicles=x"],
            &[("extra.toml", "\n[[depots]]\nat = \"Z\"\nvehicles = 1\n")],
        )
        .unwrap();
        let at = |field: &str| {
            m.relocate(InputError::at(&m.src.label, &m.src.text, Some(0), field).expected("e"))
        };
        let e = at("depots[1].vehicles");
        assert_eq!(
            (e.file.as_str(), e.line),
            ("--set depots.1.vehicles=x", None)
        );
        let e = at("depots[2].at");
        assert_eq!(
            (e.file.as_str(), e.line, e.column),
            ("extra.toml", Some(3), Some(6))
        );
        let e = at("depots[0].vehicles");
        assert_eq!((e.file.as_str(), e.line), ("base.toml", Some(8)));
        let e = at("demand.bookings_per_day");
        assert_eq!((e.file.as_str(), e.line), ("base.toml", Some(4)));
    }

    #[test]
    fn no_overrides_keeps_the_text() {
        let m = merged(&[], &[]).unwrap();
        assert_eq!(m.src.text, BASE);
    }
}
