//! The engine against queueing theory: the abstract M/M/c mode beside Erlang C
//! (DOMAIN.md's reference points), and Little's law on every replication.

#[test]
fn mmc_matches_erlang_c_within_5_percent_and_littles_law_holds() {
    for (c, a, p_wait) in [(2, 1.0, 0.3333), (10, 8.0, 0.4092), (14, 10.0, 0.1741)] {
        let v = scenarios::validate::mmc(c, a, 10, 5_000.0, 1, 2);
        assert!(
            (v.p_wait_theory - p_wait).abs() < 1e-4,
            "Erlang C itself at c={c}, a={a}"
        );
        let p = v.p_wait.mean.unwrap();
        let w = v.mean_wait.mean.unwrap();
        assert!(
            (p / v.p_wait_theory - 1.0).abs() <= 0.05,
            "c={c} a={a}: P(wait) {p} vs {}",
            v.p_wait_theory
        );
        assert!(
            (w / v.mean_wait_theory - 1.0).abs() <= 0.05,
            "c={c} a={a}: Wq {w} vs {}",
            v.mean_wait_theory
        );
        assert!(
            v.little_max_rel_diff < 1e-9,
            "Little's law: {}",
            v.little_max_rel_diff
        );
        assert!(v.measured > 40_000);
    }
}

#[test]
fn the_abstract_mode_is_byte_identical_across_runs_and_workers() {
    let one = scenarios::validate::mmc(10, 8.0, 4, 500.0, 9, 1);
    let two = scenarios::validate::mmc(10, 8.0, 4, 500.0, 9, 2);
    assert_eq!(format!("{one:?}"), format!("{two:?}"));
}
