//! The welfare model in a run: an HVAC failure on a hot afternoon raises a critical alert
//! and the vehicle diverts to the nearest open vet; the fare is re-quoted for the diversion.

use petfleet_tests::{read_csv, run_into};
use sim_core::engine::Host;

const SCENARIO: &str = r#"
name = "hvac-failure"
description = "A large dog crosses Seoul on a hot August afternoon; the van's climate control fails."
start_date = "2026-08-12"
seed = 812
until = "d1 23:00"

[traffic]
random_accidents = false

[[depots]]
name = "Nowon depot"
node = "Nowon-gu"
vehicles = 1

[[bookings]]
at = "14:00"
pickup = "Nowon-gu"
dropoff = "Gangseo-gu"
pets = [{ species = "dog", size = "large", weight_kg = 30.0 }]

[[faults]]
at = "14:00"
vehicle = 0
kind = "hvac_failure"
duration = "6h"
"#;

#[test]
fn hvac_failure_on_a_hot_afternoon_diverts_to_a_vet() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hvac.toml");
    std::fs::write(&path, SCENARIO).unwrap();
    let out = dir.path().join("out");
    let s = run_into(
        path.to_str().unwrap(),
        &out,
        None,
        Host::Reference,
        true,
        None,
    );

    let alerts = read_csv(&out.join("alerts.csv"));
    let critical = alerts
        .iter()
        .find(|a| a["level"] == "critical")
        .unwrap_or_else(|| panic!("no critical alert: {alerts:?}"));
    assert_eq!(critical["action"], "divert to the nearest open vet");
    assert!(["heat", "stress"].contains(&critical["cause"].as_str()));
    // Notices and warnings came first.
    let first_warning = alerts.iter().position(|a| a["level"] == "warning").unwrap();
    let first_critical = alerts
        .iter()
        .position(|a| a["level"] == "critical")
        .unwrap();
    assert!(first_warning < first_critical);

    // The van asked a vet for emergency treatment, and the pet was treated.
    let events = std::fs::read_to_string(out.join("events.csv")).unwrap();
    assert!(
        events
            .lines()
            .any(|l| l.contains(",service_request,") && l.contains("emergency true")),
        "no emergency request"
    );
    assert!(
        events.lines().any(|l| l.contains(",msg,treated,")),
        "the pet was not treated"
    );

    // The pets' samples show the cabin heating up past the dog's critical temperature (31 C).
    let pets = read_csv(&out.join("pets.csv"));
    let hottest = pets
        .iter()
        .map(|p| p["cabin_temp_c"].parse::<f64>().unwrap())
        .fold(0.0, f64::max);
    assert!(hottest >= 31.0, "hottest cabin {hottest}");

    // The booking still completes, and its fare accounts for the diversion.
    let b = &s.sample[0];
    assert_eq!(b.status, sim_core::event::BookingStatus::Completed, "{b:?}");
    let quotes = read_csv(&out.join("quotes.csv"));
    assert!(
        quotes.iter().any(|q| q["reason"] == "diversion"),
        "{quotes:?}"
    );
}

#[test]
fn with_working_climate_control_the_same_ride_stays_calm() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ok.toml");
    let text = SCENARIO.split("[[faults]]").next().unwrap();
    std::fs::write(&path, text).unwrap();
    let out = dir.path().join("out");
    run_into(
        path.to_str().unwrap(),
        &out,
        None,
        Host::Reference,
        false,
        None,
    );
    let alerts = read_csv(&out.join("alerts.csv"));
    assert!(
        alerts
            .iter()
            .all(|a| a["level"] != "critical" && a["cause"] != "heat"),
        "{alerts:?}"
    );
}
