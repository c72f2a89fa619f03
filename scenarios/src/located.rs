//! Located errors for TOML files (scenarios, tariffs): syntax, type and unknown-field
//! errors from serde with their span, and checks of values that point at their line.

use sim_core::ids::NodeId;
use sim_core::time::{SimDuration, SimTime};
use sim_core::world::{RoadNetwork, World};

use crate::error::{did_you_mean, InputError};
use crate::units::{parse_clock, parse_duration, CLOCK_EXPECTED, DURATION_EXPECTED};

/// A TOML file's text and where it came from.
#[derive(Clone, Debug)]
pub struct Source {
    /// Label for errors (a path, or `<catalogue>/NAME.toml`).
    pub label: String,
    /// The TOML text.
    pub text: String,
}

/// Parses a scenario's TOML, reporting syntax, type and unknown-field errors with their place.
pub fn parse_toml<T: serde::de::DeserializeOwned>(src: &Source) -> Result<T, InputError> {
    let de =
        toml::Deserializer::parse(&src.text).map_err(|e| toml_error(src, &e, String::new()))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        toml_error(src, e.inner(), path)
    })
}

fn toml_error(src: &Source, e: &toml::de::Error, path: String) -> InputError {
    let message = e.message().trim().to_string();
    let offset = e.span().map(|s| s.start);
    let field = if path.is_empty() || path == "." {
        "(document)".to_string()
    } else {
        path
    };
    let mut err = InputError::at(&src.label, &src.text, offset, field);
    if let Some(span) = e.span() {
        let written = src.text.get(span).unwrap_or("").trim();
        if !written.is_empty() && written.len() < 80 {
            err = err.value(written);
        }
    }
    // serde's "unknown field `x`, expected one of `a`, `b`": suggest the closest.
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let names: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
        if let Some((unknown, valid)) = names.split_first() {
            err = err.value(*unknown).expected(format!(
                "a known field; valid fields here: {}",
                valid.join(", ")
            ));
            if let Some(h) = did_you_mean(unknown, valid.iter().copied()) {
                err = err.hint(h);
            }
            return err;
        }
    }
    err.expected(message)
}

/// Finds the byte offset of the value at `path` (`["trips", 0, "pickup"]`) for errors.
pub fn offset_of(text: &str, path: &[PathKey<'_>]) -> Option<usize> {
    let root = toml::de::DeTable::parse(text).ok()?;
    let mut span = root.span();
    let mut table = Some(root.into_inner());
    let mut array: Option<toml::de::DeArray<'_>> = None;
    for key in path {
        let value = match (key, table.take(), array.take()) {
            (PathKey::Key(k), Some(t), _) => t
                .into_iter()
                .find(|(name, _)| name.get_ref().as_ref() == *k)
                .map(|(_, v)| v)?,
            (PathKey::Index(i), _, Some(a)) => a.into_iter().nth(*i)?,
            _ => return None,
        };
        span = value.span();
        match value.into_inner() {
            toml::de::DeValue::Table(t) => table = Some(t),
            toml::de::DeValue::Array(a) => array = Some(a),
            _ => {}
        }
    }
    Some(span.start)
}

/// A step of a path into the document.
#[derive(Clone, Copy, Debug)]
pub enum PathKey<'a> {
    /// A table key.
    Key(&'a str),
    /// An array index.
    Index(usize),
}

/// A path as errors name the field: `trips[0].pickup`.
pub fn field_of(path: &[PathKey<'_>]) -> String {
    (path.iter())
        .map(|k| match k {
            PathKey::Key(k) => format!(".{k}"),
            PathKey::Index(i) => format!("[{i}]"),
        })
        .collect::<String>()
        .trim_start_matches('.')
        .to_string()
}

/// Builds located errors for the values of one scenario.
pub struct Locator<'a> {
    /// The file.
    pub src: &'a Source,
}

impl Locator<'_> {
    /// See the module docs.
    pub fn err(
        &self,
        path: &[PathKey<'_>],
        value: &str,
        expected: impl Into<String>,
    ) -> InputError {
        let field = field_of(path);
        InputError::at(
            &self.src.label,
            &self.src.text,
            offset_of(&self.src.text, path),
            field,
        )
        .value(value)
        .expected(expected)
    }

    /// See the module docs.
    pub fn duration(&self, path: &[PathKey<'_>], v: &str) -> Result<SimDuration, InputError> {
        parse_duration(v).ok_or_else(|| self.err(path, v, DURATION_EXPECTED))
    }

    /// See the module docs.
    pub fn positive_duration(
        &self,
        path: &[PathKey<'_>],
        v: &str,
    ) -> Result<SimDuration, InputError> {
        match parse_duration(v) {
            Some(d) if d > SimDuration::ZERO => Ok(d),
            _ => Err(self.err(path, v, DURATION_EXPECTED)),
        }
    }

    /// See the module docs.
    pub fn clock(&self, path: &[PathKey<'_>], v: &str) -> Result<SimTime, InputError> {
        parse_clock(v).ok_or_else(|| self.err(path, v, CLOCK_EXPECTED))
    }

    /// See the module docs.
    pub fn node(&self, world: &World, path: &[PathKey<'_>], v: &str) -> Result<NodeId, InputError> {
        if let Some(found) = point_place(&world.net, v) {
            return found.map(|(n, _)| n).map_err(|e| self.err(path, v, e));
        }
        world.net.node_by_name(v).ok_or_else(|| {
            let close = world.net.similar_names(v, 3);
            let mut e = self.err(path, v, "the name of a node of the road network (`petfleet route --help` lists how to find them)");
            if !close.is_empty() {
                e = e.hint(format!("closest: {}", close.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")));
            }
            e
        })
    }
}

/// Farthest a `lat,lon` place may lie from the node it snaps to.
pub const MAX_SNAP_M: f64 = 5_000.0;

/// A place written `lat,lon` (degrees WGS84): the nearest node and the snap distance in
/// metres, or what was wrong. `None` when `raw` is not written that way (a node name).
pub fn point_place(net: &RoadNetwork, raw: &str) -> Option<Result<(NodeId, f64), String>> {
    let (a, b) = raw.split_once(',')?;
    let (lat, lon) = (a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?);
    if !((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)) {
        return Some(Err(
            "`lat,lon` in degrees (latitude -90 to 90, longitude -180 to 180)".into(),
        ));
    }
    Some(match net.nearest_node(lat, lon) {
        Some((n, d)) if d <= MAX_SNAP_M => Ok((n, d)),
        Some((n, d)) => Err(format!(
            "a point within {:.0} km of the road network (the nearest node, {:?}, is {:.1} km away)",
            MAX_SNAP_M / 1000.0,
            net.node(n).name,
            d / 1000.0
        )),
        None => Err("a network with nodes".into()),
    })
}

/// FNV-1a 64 of some bytes, as 16 hex digits.
pub fn fnv_hex(parts: &[&str]) -> String {
    let mut h = sim_core::engine::TraceHasher::new();
    for p in parts {
        h.str(p);
    }
    format!("{:016x}", h.finish())
}
