//! Bad input gets a located error (file, line, column, field, value, expectation) and
//! nothing is written. (Exit codes are checked through the binary in scenarios/tests/cli.rs.)

use petfleet_tests::run_text;
use scenarios::error::InputError;
use scenarios::run::{DataSource, RunError};

const DEFAULT: &str = include_str!("../../scenarios/catalog/seoul-busan-accident.toml");

/// Runs the default scenario with `from` replaced by `to`; returns the input error.
fn fails_with(from: &str, to: &str) -> (InputError, tempfile::TempDir) {
    fails_with_data(from, to, DataSource::Bundled)
}

fn fails_with_data(from: &str, to: &str, data: DataSource) -> (InputError, tempfile::TempDir) {
    assert!(DEFAULT.contains(from), "test edit {from:?} not found");
    let (dir, result) = run_text(&DEFAULT.replacen(from, to, 1), data);
    match result {
        Err(RunError::Input(e)) => {
            assert!(
                !dir.path().join("out").exists(),
                "nothing written for bad input"
            );
            assert!(e.file.ends_with("scenario.toml"), "{e}");
            (e, dir)
        }
        Err(other) => panic!("expected an input error, got {other}"),
        Ok(_) => panic!("expected {from:?} -> {to:?} to fail"),
    }
}

fn line_of(needle: &str, text: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle")
        + 1
}

#[test]
fn syntax_error_is_located() {
    let (e, _d) = fails_with(
        "pickup = \"37.4979,127.0276\"",
        "pickup = \"37.4979,127.0276",
    );
    assert_eq!(e.line, Some(line_of("pickup =", DEFAULT)), "{e}");
    assert!(e.column.is_some(), "{e}");
}

#[test]
fn unknown_field_is_rejected_with_a_suggestion() {
    let (e, _d) = fails_with("pickup = ", "pickpu = ");
    assert_eq!(e.line, Some(line_of("pickup = ", DEFAULT)), "{e}");
    assert_eq!(e.value.as_deref(), Some("pickpu"));
    assert_eq!(e.hint.as_deref(), Some("did you mean `pickup`?"), "{e}");
    assert!(e.field.contains("bookings"), "{e}");
    let (e, _d) = fails_with("[traffic]\n", "[traffic]\ncongestion_sigam = 0.2\n");
    assert_eq!(
        e.hint.as_deref(),
        Some("did you mean `congestion_sigma`?"),
        "{e}"
    );
}

#[test]
fn unknown_city_is_located_with_closest_names() {
    let (e, _d) = fails_with("dropoff = \"Busan\"", "dropoff = \"Busn\"");
    assert_eq!(e.field, "bookings[0].dropoff");
    assert_eq!(e.value.as_deref(), Some("Busn"));
    assert_eq!(e.line, Some(line_of("dropoff =", DEFAULT)));
    assert_eq!(e.column, Some(11), "{e}");
    assert!(e.hint.as_deref().unwrap_or("").contains("`Busan`"), "{e}");
}

#[test]
fn unknown_road_and_segment_are_located() {
    let (e, _d) = fails_with("road = \"Gyeongbu\"", "road = \"Gyeongboo\"");
    assert_eq!(e.field, "incidents[0].road");
    assert_eq!(e.hint.as_deref(), Some("did you mean `Gyeongbu`?"), "{e}");
    let (e, _d) = fails_with(
        "segment = \"Daejeon-Gimcheon\"",
        "segment = \"Daejon-Gimcheon\"",
    );
    assert_eq!(e.field, "incidents[0].segment");
    assert_eq!(e.line, Some(line_of("segment =", DEFAULT)));
    let (e, _d) = fails_with(
        "segment = \"Daejeon-Gimcheon\"",
        "segment = \"Daejeon-Busan\"",
    );
    assert!(e.expected.contains("joined by road"), "{e}");
}

#[test]
fn negative_or_malformed_durations_and_times_are_located() {
    let (e, _d) = fails_with("duration = \"2h\"", "duration = \"-2h\"");
    assert_eq!(e.field, "incidents[0].duration");
    assert_eq!(e.value.as_deref(), Some("-2h"));
    assert!(e.expected.contains("positive duration"), "{e}");
    let (e, _d) = fails_with("duration = \"2h\"", "duration = -2");
    assert!(e.field.contains("duration"), "{e}");
    assert_eq!(e.line, Some(line_of("duration =", DEFAULT)), "{e}");
    let (e, _d) = fails_with("at = \"10:30\"", "at = \"25:30\"");
    assert_eq!(e.field, "incidents[0].at");
    let (e, _d) = fails_with("start_date = \"2026-11-23\"", "start_date = \"2026-13-23\"");
    assert_eq!(e.field, "start_date");
    let (e, _d) = fails_with("until = \"24:00\"", "until = \"0d\"");
    assert_eq!(e.field, "until");
}

#[test]
fn bad_bookings_are_located() {
    let (e, _d) = fails_with("species = \"dog\"", "species = \"wolf\"");
    assert_eq!(e.field, "bookings[0].pets[0].species");
    assert_eq!(e.value.as_deref(), Some("wolf"));
    let (e, _d) = fails_with("size = \"large\"", "size = \"huge\"");
    assert_eq!(e.field, "bookings[0].pets[0].size");
    let (e, _d) = fails_with("weight_kg = 24.0", "weight_kg = -3.0");
    assert_eq!(e.field, "bookings[0].pets[0].weight_kg");
    let (e, _d) = fails_with("pickup_at = \"09:00\"", "pickup_at = \"07:00\"");
    assert_eq!(e.field, "bookings[0].pickup_at");
    assert!(e.expected.contains("not before"), "{e}");
    let (e, _d) = fails_with("dropoff = \"Busan\"", "addon = \"vet_visitt\"");
    assert_eq!(e.hint.as_deref(), Some("did you mean `vet_visit`?"), "{e}");
    let (e, _d) = fails_with(
        "dropoff = \"Busan\"",
        "addon = \"vet_visit\"\npartner = \"Gangnam Animal Clinik\"",
    );
    assert_eq!(e.field, "bookings[0].partner");
    assert_eq!(
        e.hint.as_deref(),
        Some("did you mean `Gangnam Animal Clinic`?"),
        "{e}"
    );
    let (e, _d) = fails_with(
        "tariff = \"petfleet-standard\"",
        "tariff = \"petfleet-premium\"",
    );
    assert_eq!(e.field, "pricing.tariff");
    let (e, _d) = fails_with("crates = [2, 2, 1]", "crates = [0, 0, 0]");
    assert_eq!(e.field, "vehicles.crates");
}

#[test]
fn impossible_incidents_are_rejected() {
    let (e, _d) = fails_with("kind = \"closure\"", "kind = \"lane_loss\"\nlanes_lost = 9");
    assert_eq!(e.field, "incidents[0].lanes_lost");
    let (e, _d) = fails_with("kind = \"closure\"", "kind = \"closed\"");
    assert_eq!(e.hint.as_deref(), Some("did you mean `closure`?"), "{e}");
}

/// A copy of the bundled data files and of the street network's `files`.
fn data_copy(files: &[&str]) -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
    let streets = files
        .iter()
        .map(|f| format!("{}/{f}", scenarios::streets::DIR));
    for rel in scenarios::data::FILES
        .iter()
        .map(|f| f.to_string())
        .chain(streets)
    {
        let to = data.path().join(&rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(root.join(&rel), &to).unwrap();
    }
    data
}

#[test]
fn a_bad_saved_node_order_of_the_streets_is_located() {
    let data = data_copy(&["nodes.csv", "edges.csv", "profiles.csv", "ch_order.txt"]);
    let order = data
        .path()
        .join(scenarios::streets::DIR)
        .join("ch_order.txt");
    let text = std::fs::read_to_string(&order).unwrap();
    let first = text.lines().next().unwrap().to_string();
    // The first node twice: no longer a permutation.
    std::fs::write(
        &order,
        text.replacen(
            &format!("\n{}\n", text.lines().nth(1).unwrap()),
            &format!("\n{first}\n"),
            1,
        ),
    )
    .unwrap();
    let (dir, result) = run_text(DEFAULT, DataSource::Dir(data.path().to_path_buf()));
    match result {
        Err(RunError::Input(e)) => {
            assert!(e.file.ends_with("ch_order.txt"), "{e}");
            assert_eq!(e.line, Some(2), "{e}");
            assert!(e.expected.contains("permutation"), "{e}");
        }
        Err(other) => panic!("expected an input error, got {other}"),
        Ok(_) => panic!("expected the duplicated node to fail"),
    }
    assert!(
        !dir.path().join("out").exists(),
        "nothing written for bad input"
    );
}

#[test]
fn trip_to_an_unreachable_node_is_rejected() {
    // Jeju has no road to the mainland: add it as an island node to a copy of the data.
    let data = data_copy(&["nodes.csv", "edges.csv", "profiles.csv"]);
    // On both networks: the default (streets) and the district centroids.
    for (nodes, extra) in [
        ("network/nodes.csv", ""),
        ("networks/seoul-streets/nodes.csv", ","),
    ] {
        let nodes = data.path().join(nodes);
        let mut text = std::fs::read_to_string(&nodes).unwrap();
        let next = text.lines().count() - 1;
        text.push_str(&format!("{next},Jeju,33.4996,126.5312,city,{extra}\n"));
        std::fs::write(&nodes, text).unwrap();
    }
    let (e, _d) = fails_with_data(
        "dropoff = \"Busan\"",
        "dropoff = \"Jeju\"",
        DataSource::Dir(data.path().to_path_buf()),
    );
    assert_eq!(e.field, "bookings[0].dropoff");
    assert!(e.expected.contains("reachable"), "{e}");
}

#[test]
fn unknown_scenario_name_suggests_the_catalogue() {
    let e = scenarios::run::find_scenario(Some("seoul-busan-acident")).unwrap_err();
    assert_eq!(
        e.hint.as_deref(),
        Some("did you mean `seoul-busan-accident`?")
    );
}

#[test]
fn every_catalogue_scenario_parses_and_resolves() {
    let files = scenarios::data::DataFiles::bundled();
    let data = scenarios::data::load(&files).unwrap();
    for name in scenarios::catalog::names() {
        let src = scenarios::catalog::get(name).unwrap();
        let s = scenarios::scenario::parse(&src).unwrap();
        assert_eq!(s.name, name);
        scenarios::scenario::resolve(&src, s, &data, &files, None, None).unwrap();
    }
}

#[test]
fn a_toll_rate_finer_than_whole_won_per_1000_km_is_located() {
    let data = data_copy(&["nodes.csv", "edges.csv", "profiles.csv", "ch_order.txt"]);
    let tolls = data.path().join("network/tolls.csv");
    let text = std::fs::read_to_string(&tolls).unwrap();
    std::fs::write(&tolls, text.replace(",44.3\n", ",44.3125\n")).unwrap();
    let (dir, result) = run_text(DEFAULT, DataSource::Dir(data.path().to_path_buf()));
    match result {
        Err(RunError::Input(e)) => {
            assert!(e.file.ends_with("tolls.csv"), "{e}");
            assert_eq!(e.line, Some(2), "{e}");
            assert_eq!(e.field, "per_km_won", "{e}");
            assert_eq!(e.value.as_deref(), Some("44.3125"), "{e}");
            assert!(e.expected.contains("at most 3 decimals"), "{e}");
        }
        Err(other) => panic!("expected an input error, got {other}"),
        Ok(_) => panic!("expected the toll rate to fail"),
    }
    assert!(!dir.path().join("out").exists(), "nothing written");
}
