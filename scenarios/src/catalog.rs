//! The scenario catalogue compiled into the binary, so `petfleet run NAME` works from any
//! directory. The files live in `scenarios/catalog/`.

use crate::scenario::Source;

/// (name, TOML text) of every catalogued scenario; the first is the default.
pub const CATALOG: &[(&str, &str)] = &[
    (
        "seoul-busan-accident",
        include_str!("../catalog/seoul-busan-accident.toml"),
    ),
    (
        "seoul-city-day",
        include_str!("../catalog/seoul-city-day.toml"),
    ),
    (
        "holiday-exodus",
        include_str!("../catalog/holiday-exodus.toml"),
    ),
    (
        "seoul-weekday",
        include_str!("../catalog/seoul-weekday.toml"),
    ),
    (
        "seoul-peak-day",
        include_str!("../catalog/seoul-peak-day.toml"),
    ),
    ("chuseok-peak", include_str!("../catalog/chuseok-peak.toml")),
    (
        "chuseok-backend",
        include_str!("../catalog/chuseok-backend.toml"),
    ),
    (
        "midnight-burst",
        include_str!("../catalog/midnight-burst.toml"),
    ),
    (
        "settlement-partition",
        include_str!("../catalog/settlement-partition.toml"),
    ),
    (
        "midnight-express",
        include_str!("../catalog/midnight-express.toml"),
    ),
    (
        "heatwave-hvac",
        include_str!("../catalog/heatwave-hvac.toml"),
    ),
    (
        "seoul-day-large",
        include_str!("../catalog/seoul-day-large.toml"),
    ),
    (
        "alimtalk-outage",
        include_str!("../catalog/alimtalk-outage.toml"),
    ),
    ("pg-degraded", include_str!("../catalog/pg-degraded.toml")),
    (
        "settlement-batch-vs-realtime",
        include_str!("../catalog/settlement-batch-vs-realtime.toml"),
    ),
    (
        "settlement-crash",
        include_str!("../catalog/settlement-crash.toml"),
    ),
    (
        "fleetpy-hail-400-20",
        include_str!("../catalog/fleetpy-hail-400-20.toml"),
    ),
];

/// The default scenario's name.
pub const DEFAULT: &str = "seoul-busan-accident";

/// The catalogued scenario `name`.
pub fn get(name: &str) -> Option<Source> {
    CATALOG
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, t)| Source {
            label: format!("<catalogue>/{n}.toml"),
            text: t.to_string(),
        })
}

/// Names, for listings and suggestions.
pub fn names() -> impl Iterator<Item = &'static str> {
    CATALOG.iter().map(|(n, _)| *n)
}
