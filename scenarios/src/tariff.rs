//! Tariffs: `data/tariffs/NAME.toml` (bundled: `seoul-taxi-2023`, `petfleet-standard`) or a
//! file. Strict parsing: unknown keys are rejected with a suggestion; every value is checked
//! and a bad one is reported with its file, line, column and what was expected.

use serde::Deserialize;
use sim_core::fare::{AddonFees, NightBand, PetFees, Surge, Tariff, WaitingFees};

use crate::error::{did_you_mean, InputError};
use crate::located::{parse_toml, Locator, PathKey, Source};

/// (name, TOML) of the bundled tariffs.
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "seoul-taxi-2023",
        include_str!("../../data/tariffs/seoul-taxi-2023.toml"),
    ),
    (
        "petfleet-standard",
        include_str!("../../data/tariffs/petfleet-standard.toml"),
    ),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TariffFile {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    source: String,
    base: BaseSection,
    meter: MeterSection,
    #[serde(default)]
    night: Vec<NightSection>,
    rounding: RoundingSection,
    surcharges: SurchargeSection,
    pets: PetSection,
    waiting: WaitingSection,
    addons: AddonSection,
    surge: SurgeSection,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BaseSection {
    fare_won: i64,
    distance_m: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeterSection {
    unit_distance_m: u32,
    unit_fare_won: i64,
    slow_unit_s: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NightSection {
    from: String,
    to: String,
    surcharge_pct: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoundingSection {
    step_won: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SurchargeSection {
    out_of_city_pct: u32,
    minimum_fare_won: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PetSection {
    included_pets: u32,
    extra_pet_won: i64,
    small_fee_won: i64,
    medium_fee_won: i64,
    large_fee_won: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaitingSection {
    free_min: u32,
    per_min_won: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddonSection {
    vet_escort_won: i64,
    grooming_booking_won: i64,
    hotel_checkin_won: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SurgeSection {
    enabled: bool,
    min_multiplier: f64,
    max_multiplier: f64,
    sensitivity: f64,
}

/// Finds a tariff by bundled name or path.
pub fn find(arg: &str) -> Result<Source, InputError> {
    if let Some((n, t)) = BUNDLED.iter().find(|(n, _)| *n == arg) {
        return Ok(Source {
            label: format!("<bundled>/data/tariffs/{n}.toml"),
            text: t.to_string(),
        });
    }
    let path = std::path::Path::new(arg);
    if path.exists() || arg.ends_with(".toml") || arg.contains('/') {
        let text = std::fs::read_to_string(path).map_err(|e| {
            InputError::at(arg, "", None, "tariff")
                .value(arg)
                .expected(format!("a readable tariff file ({e})"))
        })?;
        return Ok(Source {
            label: arg.to_string(),
            text,
        });
    }
    let names: Vec<&str> = BUNDLED.iter().map(|(n, _)| *n).collect();
    let mut e = InputError::at("<command line>", "", None, "--tariff")
        .value(arg)
        .expected(format!(
            "a bundled tariff ({}) or a path to a tariff .toml file",
            names.join(", ")
        ));
    if let Some(h) = did_you_mean(arg, names) {
        e = e.hint(h);
    }
    Err(e)
}

/// Parses and checks a tariff.
pub fn parse(src: &Source) -> Result<Tariff, InputError> {
    use PathKey::Key as K;
    let f: TariffFile = parse_toml(src)?;
    let c = Checks {
        loc: Locator { src },
    };
    // Checked in this order, so a file with several errors reports the same first one.
    let night = night_bands(&f.night, &c)?;
    let surge = surge(&f.surge, &c)?;
    if f.rounding.step_won <= 0 {
        return Err(c.loc.err(
            &[K("rounding"), K("step_won")],
            &f.rounding.step_won.to_string(),
            "a positive rounding step in won (e.g. 100)",
        ));
    }
    Ok(Tariff {
        base_fare_won: c.money(&[K("base"), K("fare_won")], f.base.fare_won)?,
        base_distance_m: f.base.distance_m,
        unit_distance_m: c.positive(
            &[K("meter"), K("unit_distance_m")],
            f.meter.unit_distance_m,
            "unit distance in metres",
        )?,
        unit_fare_won: c.money(&[K("meter"), K("unit_fare_won")], f.meter.unit_fare_won)?,
        slow_unit_s: c.positive(
            &[K("meter"), K("slow_unit_s")],
            f.meter.slow_unit_s,
            "number of seconds",
        )?,
        night,
        rounding_step_won: c.money(&[K("rounding"), K("step_won")], f.rounding.step_won)?,
        out_of_city_pct: c.pct(
            &[K("surcharges"), K("out_of_city_pct")],
            f.surcharges.out_of_city_pct,
        )?,
        minimum_fare_won: c.money(
            &[K("surcharges"), K("minimum_fare_won")],
            f.surcharges.minimum_fare_won,
        )?,
        pets: pet_fees(&f.pets, &c)?,
        waiting: WaitingFees {
            free_min: f.waiting.free_min,
            per_min_won: c.money(&[K("waiting"), K("per_min_won")], f.waiting.per_min_won)?,
        },
        addons: addon_fees(&f.addons, &c)?,
        surge,
        name: f.name,
        description: f.description,
        source: f.source,
    })
}

/// The range checks of a tariff's fields, each error located in its file.
struct Checks<'a> {
    loc: Locator<'a>,
}

impl Checks<'_> {
    fn money(&self, path: &[PathKey<'_>], v: i64) -> Result<i64, InputError> {
        if (0..=10_000_000).contains(&v) {
            Ok(v)
        } else {
            let expected = "an amount of won from 0 to 10,000,000";
            Err(self.loc.err(path, &v.to_string(), expected))
        }
    }

    fn positive(&self, path: &[PathKey<'_>], v: u32, what: &str) -> Result<u32, InputError> {
        if v > 0 {
            Ok(v)
        } else {
            Err(self
                .loc
                .err(path, &v.to_string(), format!("a positive {what}")))
        }
    }

    fn pct(&self, path: &[PathKey<'_>], v: u32) -> Result<u32, InputError> {
        if v <= 500 {
            Ok(v)
        } else {
            Err(self
                .loc
                .err(path, &v.to_string(), "a percentage from 0 to 500"))
        }
    }
}

/// The night surcharge bands: times of day as minutes, `to` wrapped past midnight.
fn night_bands(bands: &[NightSection], c: &Checks<'_>) -> Result<Vec<NightBand>, InputError> {
    use PathKey::{Index as I, Key as K};
    let mut night = Vec::new();
    for (i, n) in bands.iter().enumerate() {
        let minute = |field: &'static str, v: &str| -> Result<u32, InputError> {
            crate::units::parse_clock(v)
                .filter(|t| t.as_ms() <= 24 * 3_600_000)
                .map(|t| (t.as_ms() / 60_000) as u32)
                .ok_or_else(|| {
                    let expected = "a time of day HH:MM from 00:00 to 24:00";
                    c.loc.err(&[K("night"), I(i), K(field)], v, expected)
                })
        };
        let from = minute("from", &n.from)?;
        let to = minute("to", &n.to)? % 1_440;
        if from % 1_440 == to {
            return Err(c.loc.err(
                &[K("night"), I(i), K("to")],
                &n.to,
                "an end different from `from` (a band cannot be empty)",
            ));
        }
        night.push(NightBand {
            from_min: from % 1_440,
            to_min: to,
            surcharge_pct: c.pct(&[K("night"), I(i), K("surcharge_pct")], n.surcharge_pct)?,
        });
    }
    Ok(night)
}

/// The pet fees.
fn pet_fees(p: &PetSection, c: &Checks<'_>) -> Result<PetFees, InputError> {
    use PathKey::Key as K;
    Ok(PetFees {
        included_pets: p.included_pets,
        extra_pet_won: c.money(&[K("pets"), K("extra_pet_won")], p.extra_pet_won)?,
        size_fee_won: [
            c.money(&[K("pets"), K("small_fee_won")], p.small_fee_won)?,
            c.money(&[K("pets"), K("medium_fee_won")], p.medium_fee_won)?,
            c.money(&[K("pets"), K("large_fee_won")], p.large_fee_won)?,
        ],
    })
}

/// The add-on fees.
fn addon_fees(a: &AddonSection, c: &Checks<'_>) -> Result<AddonFees, InputError> {
    use PathKey::Key as K;
    Ok(AddonFees {
        vet_escort_won: c.money(&[K("addons"), K("vet_escort_won")], a.vet_escort_won)?,
        grooming_booking_won: c.money(
            &[K("addons"), K("grooming_booking_won")],
            a.grooming_booking_won,
        )?,
        hotel_checkin_won: c.money(&[K("addons"), K("hotel_checkin_won")], a.hotel_checkin_won)?,
    })
}

/// The surge pricing: multipliers from 0.1 to 10 in order, a slope from 0 to 10.
fn surge(s: &SurgeSection, c: &Checks<'_>) -> Result<Surge, InputError> {
    use PathKey::Key as K;
    for (field, v) in [
        ("min_multiplier", s.min_multiplier),
        ("max_multiplier", s.max_multiplier),
    ] {
        if !(v.is_finite() && (0.1..=10.0).contains(&v)) {
            let expected = "a multiplier from 0.1 to 10";
            return Err(c.loc.err(&[K("surge"), K(field)], &v.to_string(), expected));
        }
    }
    if s.min_multiplier > s.max_multiplier {
        return Err(c.loc.err(
            &[K("surge"), K("max_multiplier")],
            &s.max_multiplier.to_string(),
            format!("at least min_multiplier ({})", s.min_multiplier),
        ));
    }
    if !(s.sensitivity.is_finite() && (0.0..=10.0).contains(&s.sensitivity)) {
        let expected = "a slope from 0 to 10";
        return Err(c.loc.err(
            &[K("surge"), K("sensitivity")],
            &s.sensitivity.to_string(),
            expected,
        ));
    }
    Ok(Surge {
        enabled: s.enabled,
        min_multiplier: s.min_multiplier,
        max_multiplier: s.max_multiplier,
        sensitivity: s.sensitivity,
    })
}

/// Reads a GPS trace CSV (`time` as an ISO 8601 local date-time, `lat`, `lon`), times in
/// order. Times become milliseconds since midnight of the first sample's date.
pub fn read_trace(label: &str, text: &str) -> Result<Vec<sim_core::fare::Sample>, InputError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let (ct, cla, clo) = trace_columns(label, &mut reader)?;
    let mut samples: Vec<sim_core::fare::Sample> = Vec::new();
    let mut day0: Option<chrono::NaiveDate> = None;
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            InputError::on_line(label, line, "row").expected(format!("a well-formed CSV row ({e})"))
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let at = |field: &str| InputError::on_line(label, line, field);
        let raw_t = rec.get(ct).unwrap_or("").trim();
        let t = parse_date_time(raw_t).ok_or_else(|| {
            at("time")
                .value(raw_t)
                .expected("an ISO 8601 local date-time such as 2026-11-23T09:00:00")
        })?;
        let day0 = *day0.get_or_insert(t.date());
        let ms = (t - day0.and_hms_opt(0, 0, 0).expect("midnight")).num_milliseconds();
        let num = |c: usize, field: &str, lo: f64, hi: f64| -> Result<f64, InputError> {
            let raw = rec.get(c).unwrap_or("").trim();
            match raw.parse::<f64>() {
                Ok(v) if (lo..=hi).contains(&v) => Ok(v),
                _ => Err(at(field)
                    .value(raw)
                    .expected(format!("a number from {lo} to {hi} (degrees)"))),
            }
        };
        let lat = num(cla, "lat", -90.0, 90.0)?;
        let lon = num(clo, "lon", -180.0, 180.0)?;
        let previous = samples.last().map_or(0, |p| p.t.as_ms() as i64);
        if ms < previous {
            return Err(at("time")
                .value(raw_t)
                .expected("times in order: not earlier than the previous sample"));
        }
        samples.push(sim_core::fare::Sample {
            t: sim_core::time::SimTime(ms as u64),
            lat,
            lon,
        });
    }
    if samples.is_empty() {
        return Err(InputError::on_line(label, 2, "time").expected("at least one sample"));
    }
    Ok(samples)
}

/// The places of a GPS trace's `time`, `lat` and `lon` columns, from its header.
fn trace_columns(
    label: &str,
    reader: &mut csv::Reader<&[u8]>,
) -> Result<(usize, usize, usize), InputError> {
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| {
            InputError::on_line(label, 1, "header")
                .expected(format!("a CSV header `time,lat,lon` ({e})"))
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let col = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            let mut e = InputError::on_line(label, 1, "header")
                .value(headers.join(","))
                .expected(format!("a column named `{name}` (columns: time, lat, lon)"));
            if let Some(h) = did_you_mean(name, headers.iter().map(String::as_str)) {
                e = e.hint(h);
            }
            e
        })
    };
    Ok((col("time")?, col("lat")?, col("lon")?))
}

/// An ISO 8601 local date-time (seconds optional, fractions allowed, `T` or a space).
fn parse_date_time(raw: &str) -> Option<chrono::NaiveDateTime> {
    let formats = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ];
    (formats.iter()).find_map(|f| chrono::NaiveDateTime::parse_from_str(raw, f).ok())
}

/// A fare breakdown as a JSON object (`total_won` is the fare).
pub fn breakdown_json(b: &sim_core::fare::FareBreakdown) -> serde_json::Value {
    serde_json::json!({
        "tariff": b.tariff,
        "metered_m": (b.metered_m * 10.0).round() / 10.0,
        "slow_s": (b.slow_s * 1000.0).round() / 1000.0,
        "base_won": b.base_won,
        "base_surcharge_won": b.base_surcharge_won,
        "distance_units": b.distance_units,
        "time_units": b.time_units,
        "units_won": b.units_won,
        "unit_surcharge_won": b.unit_surcharge_won,
        "surge_multiplier": b.surge_multiplier,
        "surge_won": b.surge_won,
        "pet_fees_won": b.pet_fees_won,
        "waiting_fee_won": b.waiting_fee_won,
        "addon_fees_won": b.addon_fees_won,
        "tolls_won": b.tolls_won,
        "minimum_adjust_won": b.minimum_adjust_won,
        "subtotal_won": b.subtotal_won,
        "rounding_won": b.rounding_won,
        "total_won": b.total_won,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trace_going_back_a_day_is_refused_at_its_line() {
        let text = "time,lat,lon\n2026-11-23T09:00:00,37.5,127.0\n2026-11-22T09:10:00,37.5,127.0\n";
        let e = read_trace("t.csv", text).unwrap_err().to_string();
        assert!(e.contains("t.csv:3: field `time`"), "{e}");
        assert!(e.contains("times in order"), "{e}");
        let next_day =
            "time,lat,lon\n2026-11-23T23:59:00,37.5,127.0\n2026-11-24T00:01:00,37.5,127.0\n";
        let samples = read_trace("t.csv", next_day).unwrap();
        assert_eq!(samples[1].t.as_ms() - samples[0].t.as_ms(), 120_000);
    }

    #[test]
    fn bundled_tariffs_parse() {
        for (name, _) in BUNDLED {
            let t = parse(&find(name).unwrap()).unwrap();
            assert_eq!(&t.name, name);
        }
        let seoul = parse(&find("seoul-taxi-2023").unwrap()).unwrap();
        assert_eq!(
            (
                seoul.base_fare_won,
                seoul.base_distance_m,
                seoul.unit_distance_m,
                seoul.unit_fare_won,
                seoul.slow_unit_s
            ),
            (4_800, 1_600, 131, 100, 30)
        );
        assert_eq!(seoul.night.len(), 3);
        assert_eq!(
            (
                seoul.night[1].from_min,
                seoul.night[1].to_min,
                seoul.night[1].surcharge_pct
            ),
            (23 * 60, 120, 40)
        );
        assert!(!seoul.surge.enabled);
    }

    fn bad(from: &str, to: &str) -> InputError {
        let text = BUNDLED[1].1.replacen(from, to, 1);
        assert_ne!(text, BUNDLED[1].1, "edit {from:?} applies");
        parse(&Source {
            label: "t.toml".into(),
            text,
        })
        .unwrap_err()
    }

    #[test]
    fn bad_tariffs_are_located() {
        let e = bad("fare_won = 9000", "fare_won = -9000");
        assert_eq!(
            (e.field.as_str(), e.value.as_deref()),
            ("base.fare_won", Some("-9000"))
        );
        assert!(e.line.is_some() && e.column.is_some());
        let e = bad("unit_distance_m = 142", "unit_distance_m = 0");
        assert_eq!(e.field, "meter.unit_distance_m");
        let e = bad("from = \"22:00\"", "from = \"22h\"");
        assert_eq!(e.field, "night[0].from");
        let e = bad("max_multiplier = 2.0", "max_multiplier = 0.5");
        assert_eq!(e.field, "surge.max_multiplier");
        let e = bad("step_won = 100", "stepwon = 100");
        assert_eq!(e.hint.as_deref(), Some("did you mean `step_won`?"));
        let e = bad("fare_won = 9000", "fare_won = \"9000\"");
        assert!(e.field.contains("fare_won"), "{e}");
    }
}
