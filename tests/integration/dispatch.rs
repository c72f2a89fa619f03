//! Dispatch invariants over random scenarios (a seed sweep, as TigerBeetle's VOPR): every
//! booking ends completed, cancelled or rejected with a reason; replaying the outputs, no
//! vehicle ever carried more pets of a size class than its crates hold, or dogs and cats of
//! different households at once; every completed booking has a fare in whole hundreds.

use std::collections::BTreeMap;

use petfleet_tests::{random_scenario, read_csv, run_into};
use sim_core::engine::Host;

fn crates_of(scenario: &str) -> Vec<[u32; 3]> {
    let t: toml::Table = toml::from_str(scenario).unwrap();
    let mut out = Vec::new();
    for d in t["depots"].as_array().unwrap() {
        let c: Vec<u32> = d["crates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_integer().unwrap() as u32)
            .collect();
        for _ in 0..d["vehicles"].as_integer().unwrap() {
            out.push([c[0], c[1], c[2]]);
        }
    }
    out
}

#[test]
fn random_scenarios_keep_every_dispatch_invariant() {
    for seed in 1..=12u64 {
        let text = random_scenario(seed);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("random.toml");
        std::fs::write(&path, &text).unwrap();
        let out = dir.path().join("out");
        let host = if seed % 2 == 0 {
            Host::Reference
        } else {
            Host::Actix { shards: 2 }
        };
        let s = run_into(path.to_str().unwrap(), &out, None, host, false, None);
        assert!(
            s.counts.total > 20,
            "seed {seed}: {} bookings",
            s.counts.total
        );

        let bookings = read_csv(&out.join("bookings.csv"));
        let mut pets_of: BTreeMap<String, (String, Vec<(String, String)>)> = BTreeMap::new();
        for b in &bookings {
            assert!(
                ["completed", "cancelled", "rejected"].contains(&b["status"].as_str()),
                "seed {seed}: {b:?}"
            );
            assert!(!b["reason"].is_empty());
            if b["status"] == "completed" {
                let fare: i64 = b["final_fare_won"].parse().unwrap();
                assert!(fare > 0 && fare % 100 == 0, "seed {seed}: fare {fare}");
            }
            let pets = b["pets"].split(' ').map(|p| {
                let mut it = p.split('/');
                (
                    it.next().unwrap().to_string(),
                    it.next().unwrap().to_string(),
                )
            });
            pets_of.insert(
                b["booking_id"].clone(),
                (b["customer_id"].clone(), pets.collect()),
            );
        }

        // Replay the rides: at every moment, the pets aboard each vehicle.
        let crates = crates_of(&text);
        let trips = read_csv(&out.join("trips.csv"));
        let mut by_vehicle: BTreeMap<usize, Vec<(String, String, String)>> = BTreeMap::new();
        for t in &trips {
            by_vehicle
                .entry(t["vehicle_id"].parse().unwrap())
                .or_default()
                .push((
                    t["depart_at"].clone(),
                    t["arrive_at"].clone(),
                    t["booking_id"].clone(),
                ));
        }
        for (v, rides) in by_vehicle {
            for (start, _, _) in &rides {
                // Rides overlapping the moment `start` (boarding is the only moment load grows).
                let aboard: Vec<&(String, String, String)> = rides
                    .iter()
                    .filter(|(s, e, _)| s <= start && (e.is_empty() || e > start))
                    .collect();
                let mut load = [0u32; 3];
                let mut dogs = Vec::new();
                let mut cats = Vec::new();
                for (_, _, b) in aboard {
                    let (house, pets) = &pets_of[b];
                    for (species, size) in pets {
                        load[match size.as_str() {
                            "small" => 0,
                            "medium" => 1,
                            _ => 2,
                        }] += 1;
                        if species == "dog" {
                            dogs.push(house.clone())
                        } else {
                            cats.push(house.clone())
                        }
                    }
                }
                let c = crates[v];
                assert!(
                    load[2] <= c[2]
                        && load[1] + load[2] <= c[1] + c[2]
                        && load.iter().sum::<u32>() <= c.iter().sum(),
                    "seed {seed}: vehicle {v} carries {load:?} in crates {c:?} at {start}"
                );
                assert!(!dogs.iter().any(|d| cats.iter().any(|c| c != d)), "seed {seed}: vehicle {v} mixes households' dogs {dogs:?} and cats {cats:?} at {start}");
            }
        }
    }
}

#[test]
fn random_demand_is_identical_across_hosts_and_shards() {
    let text = random_scenario(99);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("random.toml");
    std::fs::write(&path, &text).unwrap();
    type Run = (u64, Vec<(String, Vec<u8>)>);
    let runs: Vec<Run> = [
        Host::Reference,
        Host::Actix { shards: 1 },
        Host::Actix { shards: 3 },
    ]
    .into_iter()
    .enumerate()
    .map(|(i, host)| {
        let out = dir.path().join(format!("out{i}"));
        let s = run_into(path.to_str().unwrap(), &out, None, host, false, None);
        (s.trace_hash, petfleet_tests::dir_bytes(&out))
    })
    .collect();
    assert_eq!(runs[0], runs[1]);
    assert_eq!(runs[0], runs[2]);
}
