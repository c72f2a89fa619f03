//! `petfleet report DIR`: one self-contained `report.html` (inline SVG drawn with
//! `plotters`, no scripts, no external files) for a run's or a sweep's directory.
//!
//! A run: bookings, vans at work and the pickup backlog by hour; the wait distribution;
//! fleet utilisation by hour; notification latency by channel and settlement lag (when the
//! run had those services); the KPIs and the manifest's facts. A sweep: every headline KPI
//! against the first grid axis with its 95 % confidence band, one line per value of the
//! other axes; the summary table.
//!
//! Each plot is a `<section id="plot-...">`; opening `report.html#plot-wait` shows that
//! plot alone (CSS `:target`), which is how the browser test screenshots each one.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use plotters::prelude::*;

use crate::error::InputError;
use crate::run::RunError;

/// An output CSV file read whole with the project's located reader: the columns named are
/// required, a cell that is not a number is an error naming its file, line, column and value.
type Table = crate::table::Table<'static>;

fn read(path: &Path, required: &[&str]) -> Result<Table, InputError> {
    Table::read_path(path, required)
}

/// Column `col` (required when the file was read) as its cells.
fn texts<'t>(t: &'t Table, col: &str) -> Vec<&'t str> {
    t.rows.iter().map(|(_, r)| t.raw(r, col)).collect()
}

/// Column `col` as numbers, `None` where empty.
fn numbers(t: &Table, col: &str) -> Result<Vec<Option<f64>>, InputError> {
    (t.rows.iter())
        .map(|(line, r)| t.parse_opt(*line, r, col, "a number", |v: &f64| v.is_finite()))
        .collect()
}

/// The columns of `bookings.csv` the report reads.
const BOOKING_COLUMNS: &[&str] = &[
    "requested_at",
    "requested_pickup",
    "accepted",
    "at_door_at",
    "pickup_at",
    "status",
];

/// Hours since the run's start date of a timestamp `YYYY-MM-DDTHH:MM:SS`.
fn hours_since(start: chrono::NaiveDate, t: &str) -> Option<f64> {
    let dt = chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S").ok()?;
    let base = start.and_hms_opt(0, 0, 0)?;
    Some((dt - base).num_seconds() as f64 / 3600.0)
}

const W: u32 = 900;
const H: u32 = 380;
const COLOURS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

type PlotResult = Result<String, String>;

/// Lines `(name, points)` on one chart.
fn line_chart(
    title: &str,
    (x_label, y_label): (&str, &str),
    series: &[(String, Vec<(f64, f64)>)],
) -> PlotResult {
    line_band_chart(title, (x_label, y_label), series, &[])
}

/// Lines with optional bands `(lo, hi)` per point, drawn under them.
fn line_band_chart(
    title: &str,
    (x_label, y_label): (&str, &str),
    series: &[(String, Vec<(f64, f64)>)],
    bands: &[Vec<(f64, f64, f64)>],
) -> PlotResult {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let xs = series.iter().flat_map(|s| s.1.iter().map(|p| p.0));
        let (x0, x1) = bounds(xs);
        let ys = (series.iter().flat_map(|s| s.1.iter().map(|p| p.1)))
            .chain(bands.iter().flat_map(|b| b.iter().flat_map(|p| [p.1, p.2])));
        let (y0, y1) = bounds(ys.chain([0.0]));
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1 * 1.05)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, band) in bands.iter().enumerate() {
            let c = COLOURS[i % COLOURS.len()].mix(0.2);
            let poly: Vec<(f64, f64)> = (band.iter().map(|p| (p.0, p.2)))
                .chain(band.iter().rev().map(|p| (p.0, p.1)))
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(poly, c.filled())))
                .map_err(|e| e.to_string())?;
        }
        for (i, (name, pts)) in series.iter().enumerate() {
            let c = COLOURS[i % COLOURS.len()];
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(name.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2))
                });
            chart
                .draw_series(pts.iter().map(|p| Circle::new(*p, 2, c.filled())))
                .map_err(|e| e.to_string())?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// Bars `(label, value)` side by side, one colour per group of `groups` bars.
fn bar_chart(title: &str, y_label: &str, bars: &[(String, f64)], groups: usize) -> PlotResult {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let (_, y1) = bounds(bars.iter().map(|b| b.1).chain([0.0]));
        let n = bars.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(60)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..n as f64, 0f64..y1 * 1.1)
            .map_err(|e| e.to_string())?;
        let labels: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|x| labels.get(x.floor() as usize).cloned().unwrap_or_default())
            .y_desc(y_label)
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                let c = COLOURS[(i / groups.max(1)) % COLOURS.len()];
                Rectangle::new([(i as f64 + 0.1, 0.0), (i as f64 + 0.9, b.1)], c.filled())
            }))
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// Lowest and highest of `xs` (a unit range when there are none or all are equal).
fn bounds(xs: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = xs
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
    if !lo.is_finite() {
        (0.0, 1.0)
    } else if hi - lo < 1e-12 {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    }
}

/// A histogram as bars of width `bin` (in the values' unit).
fn histogram(title: &str, x_label: &str, values: &[f64], bin: f64) -> PlotResult {
    let mut counts: BTreeMap<i64, u64> = BTreeMap::new();
    for v in values.iter().filter(|v| v.is_finite()) {
        *counts.entry((v / bin).floor() as i64).or_default() += 1;
    }
    let pts: Vec<(f64, f64)> = counts
        .iter()
        .map(|(k, c)| (*k as f64 * bin, *c as f64))
        .collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let (x0, x1) = bounds(pts.iter().map(|p| p.0).chain(pts.iter().map(|p| p.0 + bin)));
        let (_, y1) = bounds(pts.iter().map(|p| p.1).chain([0.0]));
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, 0f64..y1 * 1.1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc("count")
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(pts.iter().map(|(x, c)| {
                Rectangle::new([(*x, 0.0), (x + bin * 0.95, *c)], COLOURS[0].filled())
            }))
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// Writes `DIR/report.html` for a run or a sweep directory and returns its path.
pub fn report(dir: &Path) -> Result<PathBuf, RunError> {
    let (title, sections) = if dir.join("sweep.json").exists() {
        sweep_sections(dir)?
    } else if dir.join("manifest.json").exists() {
        run_sections(dir)?
    } else if dir.join("services.csv").exists() {
        api_sections(dir)?
    } else {
        return Err(InputError::at(&dir.display().to_string(), "", None, "DIR")
            .expected(
                "a run's output directory (with manifest.json or services.csv) or a sweep's (with sweep.json)",
            )
            .into());
    };
    let html = page(&title, &sections);
    let path = dir.join("report.html");
    let tmp = dir.join("report.html.partial");
    let io = |source| RunError::Io {
        dir: dir.to_path_buf(),
        source,
    };
    std::fs::write(&tmp, html).map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)?;
    Ok(path)
}

/// A section: id, heading, body (SVG or HTML).
type Section = (String, String, String);

fn page(title: &str, sections: &[Section]) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\n<style>\n\
         body{{font-family:sans-serif;margin:24px;color:#222;max-width:980px}}\n\
         section{{margin:0 0 28px}} table{{border-collapse:collapse;font-size:13px}}\n\
         td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}} th{{background:#eee}}\n\
         td:first-child,th:first-child{{text-align:left}}\n\
         body:has(section:target) section:not(:target), body:has(section:target) > h1 {{display:none}}\n\
         </style></head><body>\n<h1>{t}</h1>\n",
        t = escape(title)
    );
    for (id, heading, body) in sections {
        let _ = write!(
            h,
            "<section id=\"{id}\"><h2>{}</h2>\n{body}\n</section>\n",
            escape(heading)
        );
    }
    h.push_str("</body></html>\n");
    h
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn plot(id: &str, heading: &str, svg: PlotResult) -> Result<Section, RunError> {
    let svg = svg.map_err(|e| RunError::Child(format!("drawing {heading}: {e}")))?;
    Ok((id.into(), heading.into(), svg))
}

/// The sections of a run's report.
fn run_sections(dir: &Path) -> Result<(String, Vec<Section>), RunError> {
    let m = crate::output::read_json(&dir.join("manifest.json"))?;
    let start = (m["start_date"].as_str())
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or_else(|| {
            InputError::at(
                &dir.join("manifest.json").display().to_string(),
                "",
                None,
                "start_date",
            )
            .expected("a date YYYY-MM-DD")
        })?;
    let bookings = read(&dir.join("bookings.csv"), BOOKING_COLUMNS)?;
    let hourly = read(
        &dir.join("vehicles_hourly.csv"),
        &["hour_start", "busy_s", "utilisation"],
    )?;
    let mut sections = vec![
        plot(
            "plot-load",
            "Bookings, vans at work and pickup backlog by hour",
            load_chart(&bookings, &hourly, start)?,
        )?,
        plot(
            "plot-wait",
            "Pickup wait (completed bookings)",
            wait_chart(&bookings, start)?,
        )?,
        plot(
            "plot-utilisation",
            "Fleet utilisation by hour",
            utilisation_chart(&hourly, start)?,
        )?,
    ];
    if dir.join("notifications.csv").exists() {
        let n = read(
            &dir.join("notifications.csv"),
            &["channel_used", "outcome", "latency_ms"],
        )?;
        sections.push(plot(
            "plot-notify",
            "Notification delivery latency by channel",
            notify_chart(&n)?,
        )?);
    }
    if dir.join("settlements.csv").exists() {
        let s = read(&dir.join("settlements.csv"), &["lag_s"])?;
        let lags: Vec<f64> = numbers(&s, "lag_s")?.into_iter().flatten().collect();
        let bin = (bounds(lags.iter().copied()).1 / 40.0).max(1.0).ceil();
        sections.push(plot(
            "plot-settle",
            "Settlement lag",
            histogram("Settlement lag", "lag (s)", &lags, bin),
        )?);
    }
    if dir.join("services.csv").exists() {
        sections.extend(service_sections(dir)?);
    }
    sections.push(("kpis".into(), "KPIs".into(), kpi_table(dir, &m)?));
    let title = format!(
        "PetFleet Twin run: {}",
        m["scenario"].as_str().unwrap_or("?")
    );
    Ok((title, sections))
}

fn load_chart(
    bookings: &Table,
    hourly: &Table,
    start: chrono::NaiveDate,
) -> Result<PlotResult, InputError> {
    let requested = texts(bookings, "requested_at");
    let requested_pickup = texts(bookings, "requested_pickup");
    let pickup = texts(bookings, "pickup_at");
    let status = texts(bookings, "status");
    let accepted = texts(bookings, "accepted");
    let hours_of =
        |ts: &[&str]| -> Vec<Option<f64>> { ts.iter().map(|t| hours_since(start, t)).collect() };
    let (req, due, picked) = (
        hours_of(&requested),
        hours_of(&requested_pickup),
        hours_of(&pickup),
    );
    let last = (req.iter().chain(&picked))
        .flatten()
        .fold(0f64, |a, b| a.max(*b))
        .ceil() as usize;
    let mut made = vec![0f64; last + 1];
    for h in req.iter().flatten() {
        made[*h as usize] += 1.0;
    }
    // Waiting for a pickup at each hour's end: accepted, due, not yet picked up (or never).
    let backlog: Vec<(f64, f64)> = (0..=last)
        .map(|h| {
            let t = h as f64 + 1.0;
            let n = (0..status.len())
                .filter(|&i| accepted[i] == "true" && due[i].is_some_and(|d| d <= t))
                .filter(|&i| match picked[i] {
                    Some(p) => p > t,
                    None => status[i] == "open",
                })
                .count();
            (h as f64, n as f64)
        })
        .collect();
    let busy = numbers(hourly, "busy_s")?;
    let at = texts(hourly, "hour_start");
    let mut working: BTreeMap<i64, f64> = BTreeMap::new();
    for (t, b) in at.iter().zip(&busy) {
        if let Some(h) = hours_since(start, t) {
            *working.entry(h.floor() as i64).or_default() +=
                f64::from(u8::from(b.unwrap_or(0.0) > 0.0));
        }
    }
    let series = vec![
        (
            "bookings made".to_string(),
            made.iter()
                .enumerate()
                .map(|(h, n)| (h as f64, *n))
                .collect(),
        ),
        (
            "vans at work".to_string(),
            working.iter().map(|(h, n)| (*h as f64, *n)).collect(),
        ),
        ("waiting for pickup (hour's end)".to_string(), backlog),
    ];
    Ok(line_chart(
        "By hour",
        ("hour from the start date", "count"),
        &series,
    ))
}

/// The waits of the wait KPIs: van at the door - requested pickup (0 when early), for
/// completed bookings.
fn wait_chart(bookings: &Table, start: chrono::NaiveDate) -> Result<PlotResult, InputError> {
    let door = texts(bookings, "at_door_at");
    let due = texts(bookings, "requested_pickup");
    let status = texts(bookings, "status");
    let waits: Vec<f64> = (0..status.len())
        .filter(|&i| status[i] == "completed")
        .filter_map(|i| {
            Some((hours_since(start, door[i])? - hours_since(start, due[i])?).max(0.0) * 60.0)
        })
        .collect();
    Ok(histogram(
        "Pickup wait: van at the door - requested pickup",
        "wait (min)",
        &waits,
        5.0,
    ))
}

fn utilisation_chart(hourly: &Table, start: chrono::NaiveDate) -> Result<PlotResult, InputError> {
    let u = numbers(hourly, "utilisation")?;
    let at = texts(hourly, "hour_start");
    let mut by_hour: BTreeMap<i64, (f64, f64)> = BTreeMap::new();
    for (t, v) in at.iter().zip(&u) {
        if let Some(h) = hours_since(start, t) {
            let e = by_hour.entry(h.floor() as i64).or_default();
            e.0 += v.unwrap_or(0.0);
            e.1 += 1.0;
        }
    }
    let pts = by_hour
        .iter()
        .map(|(h, (s, n))| (*h as f64, s / n))
        .collect();
    Ok(line_chart(
        "Mean utilisation of the fleet",
        ("hour from the start date", "share of the hour at work"),
        &[("utilisation".into(), pts)],
    ))
}

fn notify_chart(n: &Table) -> Result<PlotResult, InputError> {
    let channel = texts(n, "channel_used");
    let outcome = texts(n, "outcome");
    let latency = numbers(n, "latency_ms")?;
    let mut by: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for i in 0..channel.len() {
        if let (Some(l), "delivered") = (latency[i], outcome[i]) {
            by.entry(channel[i]).or_default().push(l / 1000.0);
        }
    }
    let mut bars = Vec::new();
    for (ch, mut xs) in by {
        xs.sort_by(f64::total_cmp);
        for q in [0.5, 0.95, 0.99] {
            let v = xs[((xs.len() - 1) as f64 * q).round() as usize];
            bars.push((format!("{ch} p{:.0}", q * 100.0), v));
        }
    }
    Ok(bar_chart(
        "Delivery latency (p50, p95, p99)",
        "latency (s)",
        &bars,
        3,
    ))
}

fn kpi_table(dir: &Path, m: &serde_json::Value) -> Result<String, InputError> {
    let k = read(&dir.join("kpis.csv"), &["kpi", "value", "unit"])?;
    let mut h = String::new();
    let facts = [
        "scenario",
        "seed",
        "start_date",
        "until",
        "trace_hash",
        "invariants",
    ];
    h.push_str("<table><tr><th>fact</th><th>value</th></tr>\n");
    for f in facts {
        let v = m[f].as_str().map_or_else(|| m[f].to_string(), String::from);
        let _ = writeln!(h, "<tr><td>{f}</td><td>{}</td></tr>", escape(&v));
    }
    h.push_str("</table><p></p><table><tr><th>KPI</th><th>value</th><th>unit</th></tr>\n");
    for (_, r) in &k.rows {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(r.get(0).unwrap_or("")),
            escape(r.get(1).unwrap_or("")),
            escape(r.get(2).unwrap_or(""))
        );
    }
    h.push_str("</table>");
    Ok(h)
}

/// KPIs a sweep's report plots against the first axis, when present.
const SWEEP_KPIS: [&str; 6] = [
    "served_share",
    "wait_p95_s",
    "delivered_within_1h_share",
    "fleet_utilisation",
    "cancelled_share",
    "settle_lag_p95_s",
];

/// Summary columns: the first axis's value, the mean and the interval's ends.
type Columns<'a> = (
    &'a [Option<f64>],
    &'a [Option<f64>],
    &'a [Option<f64>],
    &'a [Option<f64>],
);

/// The summary rows `pick` chooses as lines: one per value of the axes after the first,
/// each with its points and band against the first axis.
fn kpi_lines(
    axes: &[String],
    others: &[Vec<&str>],
    pick: impl Fn(usize) -> bool,
    (x, mean, lo, hi): Columns<'_>,
) -> BTreeMap<String, Line> {
    let mut lines: BTreeMap<String, Line> = BTreeMap::new();
    for i in (0..x.len()).filter(|&i| pick(i)) {
        let key = (axes[1..].iter().zip(others))
            .map(|(a, v)| format!("{a}={}", v[i]))
            .collect::<Vec<_>>()
            .join(", ");
        let e = lines
            .entry(if key.is_empty() {
                "mean".to_string()
            } else {
                key
            })
            .or_default();
        if let (Some(x), Some(y)) = (x[i], mean[i]) {
            e.0.push((x, y));
            if let (Some(l), Some(h)) = (lo[i], hi[i]) {
                e.1.push((x, l, h));
            }
        }
    }
    lines
}

/// A line of a sweep plot: its points (x, mean) and its band (x, low, high).
type Line = (Vec<(f64, f64)>, Vec<(f64, f64, f64)>);

/// The sections of a sweep's report.
fn sweep_sections(dir: &Path) -> Result<(String, Vec<Section>), RunError> {
    let m = crate::output::read_json(&dir.join("sweep.json"))?;
    let axes: Vec<String> = (m["plan"]["axes"].as_array().into_iter().flatten())
        .filter_map(|a| a["path"].as_str().map(String::from))
        .collect();
    let mut required = vec!["kpi", "mean", "ci95_low", "ci95_high"];
    required.extend(axes.iter().map(String::as_str));
    let s = read(&dir.join("sweep_summary.csv"), &required)?;
    let Some(first) = axes.first() else {
        return Err(InputError::at(
            &dir.join("sweep.json").display().to_string(),
            "",
            None,
            "plan.axes",
        )
        .expected("at least one grid axis")
        .into());
    };
    let kpi = texts(&s, "kpi");
    let x = numbers(&s, first)?;
    let (mean, lo, hi) = (
        numbers(&s, "mean")?,
        numbers(&s, "ci95_low")?,
        numbers(&s, "ci95_high")?,
    );
    let others: Vec<Vec<&str>> = (axes[1..].iter()).map(|a| texts(&s, a)).collect();
    let mut sections = Vec::new();
    for (n, name) in SWEEP_KPIS
        .iter()
        .enumerate()
        .filter(|(_, k)| kpi.contains(k))
    {
        let pick = |i: usize| kpi[i] == *name;
        let lines = kpi_lines(&axes, &others, pick, (&x, &mean, &lo, &hi));
        let (series, bands): (Vec<_>, Vec<_>) =
            lines.into_iter().map(|(k, (p, b))| ((k, p), b)).unzip();
        let title = format!("{name}: mean and 95 % interval");
        let svg = line_band_chart(&title, (first, name), &series, &bands);
        sections.push(plot(
            &format!("plot-sla-{n}"),
            &format!("{name} against {first}"),
            svg,
        )?);
    }
    sections.push((
        "summary".into(),
        "Summary (sweep_summary.csv)".into(),
        summary_table(&s),
    ));
    let title = format!(
        "PetFleet Twin sweep: {} ({} cells x {} replications)",
        m["plan"]["scenario"].as_str().unwrap_or("?"),
        m["cells"],
        m["plan"]["replications"]
    );
    Ok((title, sections))
}

fn summary_table(s: &Table) -> String {
    let mut h = String::from("<table><tr>");
    for c in s.headers() {
        let _ = write!(h, "<th>{}</th>", escape(c));
    }
    h.push_str("</tr>\n");
    for (_, r) in &s.rows {
        h.push_str("<tr>");
        for v in r {
            let _ = write!(h, "<td>{}</td>", escape(v));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>");
    h
}

/// An API-level run's report: the services' plots and their KPIs.
fn api_sections(dir: &Path) -> Result<(String, Vec<Section>), RunError> {
    let mut sections = service_sections(dir)?;
    let k = read(&dir.join("kpis.csv"), &["kpi", "value", "unit"])?;
    let mut h = String::from("<table><tr><th>KPI</th><th>value</th><th>unit</th></tr>\n");
    for (_, r) in &k.rows {
        let cell = |c: &str| escape(k.raw(r, c));
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            cell("kpi"),
            cell("value"),
            cell("unit")
        );
    }
    h.push_str("</table>");
    sections.push(("kpis".into(), "KPIs".into(), h));
    Ok(("PetFleet Twin load test: services".into(), sections))
}

/// The services' p99 latency and instances, minute by minute (`services.csv`).
fn service_sections(dir: &Path) -> Result<Vec<Section>, RunError> {
    let t = read(
        &dir.join("services.csv"),
        &["time", "service", "latency_p99_ms", "instances"],
    )?;
    let times = texts(&t, "time");
    let names = texts(&t, "service");
    let p99 = numbers(&t, "latency_p99_ms")?;
    let inst = numbers(&t, "instances")?;
    let start = (times.first())
        .and_then(|s| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").ok())
        .map(|d| d.date());
    let mut lat: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    let mut count: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let Some(x) = start.and_then(|s| hours_since(s, times[i])) else {
            continue;
        };
        let k = match lat.iter().position(|(n, _)| n == name) {
            Some(k) => k,
            None => {
                lat.push((name.to_string(), Vec::new()));
                count.push((name.to_string(), Vec::new()));
                lat.len() - 1
            }
        };
        if let Some(v) = p99[i].filter(|v| *v > 0.0) {
            lat[k].1.push((x, v / 1000.0));
        }
        if let Some(v) = inst[i] {
            count[k].1.push((x, v));
        }
    }
    Ok(vec![
        plot(
            "plot-service-latency",
            "Services: p99 latency by minute",
            line_chart(
                "p99 latency of the requests completed each minute",
                ("hours since the start", "p99 latency (s)"),
                &lat,
            ),
        )?,
        plot(
            "plot-service-instances",
            "Services: instances by minute",
            line_chart(
                "instances billed at the end of each minute",
                ("hours since the start", "instances"),
                &count,
            ),
        )?,
    ])
}
