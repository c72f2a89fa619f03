//! What a van looks like inside a running simulation, in words: the visualizer's van panel
//! and `petfleet reproduce` print the same lines. Also the clock, road and money formats
//! they share.

use sim_core::actors::{Msg, Pet, Vehicle};
use sim_core::engine::Simulation;
use sim_core::event::Event;
use sim_core::ids::EdgeId;
use sim_core::sim::Layout;
use sim_core::time::SimTime;
use sim_core::world::World;

/// `d1 10:45:00`: the day of the run and the time of day.
pub fn clock(t: SimTime) -> String {
    let s = t.as_ms() / 1000;
    format!(
        "d{} {:02}:{:02}:{:02}",
        s / 86_400 + 1,
        s / 3600 % 24,
        s / 60 % 60,
        s % 60
    )
}

/// "Gyeongbu 120.4 km > Cheongju-Sangju 80.5 km": the roads of `route`, consecutive edges of
/// one road together, the first `n` of them.
pub fn roads(world: &World, route: &[EdgeId], n: usize) -> String {
    let mut parts: Vec<(String, f64)> = Vec::new();
    for &e in route {
        let edge = world.net.edge(e);
        match parts.last_mut() {
            Some((road, m)) if *road == edge.road => *m += edge.length_m,
            _ => parts.push((edge.road.clone(), edge.length_m)),
        }
    }
    let more = parts.len().saturating_sub(n);
    let mut text: Vec<String> = parts
        .iter()
        .take(n)
        .map(|(r, m)| format!("{r} {:.1} km", m / 1000.0))
        .collect();
    if more > 0 {
        text.push(format!("+{more} more"));
    }
    text.join(" > ")
}

/// What van `vehicle` is doing at `now` in a running simulation: state, position, route by
/// road, ETA, next stops, each booking's fare so far, each pet's welfare (the visualizer's
/// panel, and `petfleet reproduce`).
pub fn van_lines<O: sim_core::engine::Observer<Msg, Event>>(
    sim: &Simulation<Msg, Event, O>,
    layout: &Layout,
    world: &World,
    vehicle: u32,
    now: SimTime,
) -> Vec<String> {
    let Some(v) = layout
        .vehicles
        .get(vehicle as usize)
        .and_then(|&a| sim.actor::<Vehicle>(a))
    else {
        return vec![format!("van {vehicle}: no such van")];
    };
    let s = v.snapshot(now);
    let net = &world.net;
    let mut lines = vec![
        format!("Van {vehicle}: {}", s.state.name().replace('_', " ")),
        format!("{:.4}, {:.4}  {:.0} km/h", s.lat, s.lon, s.speed_kmh),
    ];
    if !s.route.is_empty() {
        lines.push(format!("route: {}", roads(world, &s.route, 3)));
    }
    if let Some(eta) = s.eta {
        lines.push(format!("ETA at the next stop: {}", clock(eta)));
    }
    for (booking, kind, node) in s.plan.iter().take(4) {
        lines.push(format!(
            "next: {kind:?} #{} at {}",
            booking.0,
            net.node(*node).name
        ));
    }
    for ride in &s.aboard {
        lines.push(format!(
            "booking #{}: fare so far {} KRW",
            ride.booking.0,
            thousands(ride.fare_won)
        ));
        for (pet, actor) in &ride.pets {
            let Some(p) = sim.actor::<Pet>(*actor) else {
                continue;
            };
            let (species, welfare) = p.reading();
            lines.push(match welfare {
                Some((stress, hr, level)) => {
                    let alert = match level {
                        sim_core::welfare::Level::None => "no alert".to_string(),
                        l => format!("{l:?} alert").to_lowercase(),
                    };
                    format!(
                        "  pet {} ({species:?}): stress {stress:.2}, {hr:.0} bpm, {alert}",
                        pet.0
                    )
                }
                None => format!("  pet {} ({species:?})", pet.0),
            });
        }
    }
    lines
}

/// 1234567 as "1,234,567".
pub fn thousands(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_roads_and_thousands_read_as_people_write_them() {
        assert_eq!(clock(SimTime(38_700_000)), "d1 10:45:00");
        assert_eq!(clock(SimTime(86_400_000 + 61_000)), "d2 00:01:01");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(-950), "-950");
        assert_eq!(thousands(1_000), "1,000");
    }
}
