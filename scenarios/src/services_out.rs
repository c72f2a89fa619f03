//! What a run's services write: `services.csv` (streamed, renamed when whole), the
//! services' rows of `kpis.csv`, and the results the summaries read. Shared by fleet runs
//! (`run.rs`) and API-level runs (`loadtest.rs`).

use std::io::Write;
use std::path::{Path, PathBuf};

use sim_core::observe::KpiRow;
use sim_core::service::{LoadRun, MinuteRow, Role, ServiceSpec, Totals};
use sim_core::time::SimTime;

use crate::output::Clock;

/// `services.csv`'s header.
pub const SERVICES_HEADER: &str = "design,service,role,minute,time,arrivals,completed,rejected,errors,queue_p50,queue_max,latency_p50_ms,latency_p95_ms,latency_p99_ms,instances,utilisation,cost_won";

/// One service's run.
#[derive(Clone, Debug)]
pub struct ServiceResult {
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// The objective (p99, ms).
    pub slo_ms: u64,
    /// Totals.
    pub totals: Totals,
}

/// Streams `services.csv` to a `.partial` file, renamed when whole.
pub struct ServicesCsv {
    path: PathBuf,
    w: csv::Writer<std::io::BufWriter<std::fs::File>>,
    design: String,
    clock: Clock,
}

impl ServicesCsv {
    /// Opens `dir/services.csv.partial`.
    pub fn create(dir: &Path, design: &str, clock: Clock) -> std::io::Result<ServicesCsv> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("services.csv");
        let f = std::fs::File::create(partial(&path))?;
        let mut buf = std::io::BufWriter::new(f);
        writeln!(buf, "{SERVICES_HEADER}")?;
        Ok(ServicesCsv {
            path,
            w: csv::Writer::from_writer(buf),
            design: design.into(),
            clock,
        })
    }

    /// One service-minute.
    pub fn row(&mut self, s: &ServiceSpec, r: &MinuteRow) -> std::io::Result<()> {
        let t = self.clock.format(SimTime(r.minute * 60_000));
        let f = [
            self.design.clone(),
            s.name.clone(),
            s.role.name().into(),
            r.minute.to_string(),
            t,
            r.arrivals.to_string(),
            r.completed.to_string(),
            r.rejected.to_string(),
            r.errors.to_string(),
            r.depth_p50.to_string(),
            r.depth_max.to_string(),
            r.lat_p50.to_string(),
            r.lat_p95.to_string(),
            r.lat_p99.to_string(),
            r.instances.to_string(),
            format!("{:.4}", r.utilisation),
            r.cost_won.to_string(),
        ];
        self.w.write_record(&f).map_err(std::io::Error::other)
    }

    /// Flushes and renames the file into place.
    pub fn commit(self) -> std::io::Result<()> {
        let buf = self
            .w
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        buf.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(partial(&self.path), &self.path)
    }
}

pub(crate) fn partial(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(".partial");
    PathBuf::from(s)
}

/// The KPI names of a role's service, in [`service_kpis`]' order.
fn names(role: Role) -> [&'static str; 8] {
    macro_rules! n {
        ($p:literal) => {
            [
                concat!($p, "_peak_p99_ms"),
                concat!($p, "_rejected_share"),
                concat!($p, "_slo_violation_minutes"),
                concat!($p, "_max_ok_throughput_per_s"),
                concat!($p, "_cost_won"),
                concat!($p, "_instance_hours"),
                concat!($p, "_completed"),
                concat!($p, "_lost"),
            ]
        };
    }
    match role {
        Role::BookingApi => n!("service_booking_api"),
        Role::Notifications => n!("service_notifications"),
        Role::Settlement => n!("service_settlement"),
    }
}

/// A service's rows of `kpis.csv`.
pub fn service_kpis(role: Role, t: &Totals) -> Vec<KpiRow> {
    let n = names(role);
    vec![
        (n[0], Some(t.peak_p99_ms as f64), "ms"),
        (n[1], Some(t.rejected_share()), "share"),
        (n[2], Some(t.violation_minutes as f64), "minutes"),
        (n[3], Some(t.best_ok_per_s), "requests/s"),
        (n[4], Some(t.cost_won as f64), "won"),
        (n[5], Some(t.instance_hours), "hours"),
        (n[6], Some(t.completed as f64), "requests"),
        (n[7], Some(t.gave_up as f64), "requests"),
    ]
}

/// The KPIs over all services: the worst peak-hour p99, the worst minute's p99, minutes
/// in violation, rejected share, cost, requests lost.
pub fn overall_kpis(services: &[(Role, &Totals)]) -> Vec<KpiRow> {
    let max = |f: fn(&Totals) -> u64| services.iter().map(|(_, t)| f(t)).max().unwrap_or(0) as f64;
    let sum = |f: fn(&Totals) -> u64| services.iter().map(|(_, t)| f(t)).sum::<u64>() as f64;
    let arrivals = sum(|t| t.arrivals);
    vec![
        ("services_peak_p99_ms", Some(max(|t| t.peak_p99_ms)), "ms"),
        (
            "services_worst_minute_p99_ms",
            Some(max(|t| t.worst_minute_p99_ms)),
            "ms",
        ),
        (
            "services_slo_violation_minutes",
            Some(sum(|t| t.violation_minutes)),
            "minutes",
        ),
        (
            "services_rejected_share",
            Some(if arrivals > 0.0 {
                sum(|t| t.rejected) / arrivals
            } else {
                0.0
            }),
            "share",
        ),
        (
            "services_cost_won",
            Some(services.iter().map(|(_, t)| t.cost_won).sum::<i64>() as f64),
            "won",
        ),
        ("services_lost", Some(sum(|t| t.gave_up)), "requests"),
    ]
}

/// Every KPI row of a run's services: per service, then over all.
pub fn all_kpis(services: &[(Role, &Totals)]) -> Vec<KpiRow> {
    let mut rows: Vec<KpiRow> = services
        .iter()
        .flat_map(|(r, t)| service_kpis(*r, t))
        .collect();
    if !services.is_empty() {
        rows.extend(overall_kpis(services));
    }
    rows
}

/// An API-level run without files (a sweep's): its KPIs and a hash of every service-minute
/// (equal hashes: equal runs).
pub fn api_kpis(resolved: &crate::scenario::Resolved) -> Option<(Vec<KpiRow>, u64)> {
    let load = resolved.services.load.clone()?;
    let mut h = sim_core::engine::TraceHasher::default();
    let run = LoadRun::new(load, &resolved.services.services, resolved.spec.seed);
    let totals = run.run(&mut |s, r| {
        h.u64(s as u64);
        for v in [
            r.minute,
            r.arrivals,
            r.completed,
            r.rejected,
            r.errors,
            r.depth_p50,
            r.depth_max,
            r.lat_p50,
            r.lat_p95,
            r.lat_p99,
            u64::from(r.instances),
            r.cost_won as u64,
        ] {
            h.u64(v);
        }
        h.f64(r.utilisation);
    });
    let services: Vec<(Role, &Totals)> = totals.iter().map(|(_, r, t)| (*r, t)).collect();
    Some((all_kpis(&services), h.finish()))
}

/// Writes `kpis.csv` of an API-level run: the services' KPIs.
pub(crate) fn write_kpis(dir: &Path, services: &[ServiceResult]) -> std::io::Result<()> {
    let path = dir.join("kpis.csv");
    let mut text = String::from("kpi,value,unit\n");
    let list: Vec<(Role, &Totals)> = services.iter().map(|s| (s.role, &s.totals)).collect();
    for (k, v, u) in all_kpis(&list) {
        let v = v.map_or(String::new(), crate::output::format_kpi);
        text.push_str(&format!("{k},{v},{u}\n"));
    }
    std::fs::write(partial(&path), text)?;
    std::fs::rename(partial(&path), &path)
}

/// A fleet run's services: `services.csv` into `dir`, and their results.
pub fn write_fleet_services(
    dir: &Path,
    clock: Clock,
    design: &str,
    report: &sim_core::engine::RunReport<sim_core::actors::Msg, sim_core::event::Event>,
) -> std::io::Result<Vec<ServiceResult>> {
    let results = sim_core::sim::service_results(report);
    if results.is_empty() {
        return Ok(Vec::new());
    }
    let mut csv = ServicesCsv::create(dir, design, clock)?;
    let mut out = Vec::new();
    for (spec, rows, totals) in results {
        for r in rows {
            csv.row(spec, r)?;
        }
        out.push(ServiceResult {
            name: spec.name.clone(),
            role: spec.role,
            slo_ms: spec.slo_p99.as_ms(),
            totals,
        });
    }
    csv.commit()?;
    Ok(out)
}

/// Every KPI name a run with services can write.
pub fn known_kpis() -> Vec<&'static str> {
    let t = Totals::default();
    let all = [Role::BookingApi, Role::Notifications, Role::Settlement].map(|r| (r, &t));
    all_kpis(&all).into_iter().map(|r| r.0).collect()
}
