//! The headless screenshot: the default scenario rendered windowless at 10:45 shows the map,
//! the accident and the detouring van where it is, with the HUD; and the run behind the
//! picture writes what `petfleet run` writes. Rendering needs a Vulkan device (Mesa's
//! lavapipe on a machine without a GPU: Debian's `mesa-vulkan-drivers libvulkan1`, which
//! `.ci/run` installs). Without one the test fails in CI (`PETFLEET_REQUIRE_VULKAN=1`) and
//! is skipped, saying so, elsewhere.

use std::path::Path;
use std::process::Command;

use petfleet_viz::map::pixel_of;
use scenarios::run::{DataSource, RunOptions};
use sim_core::engine::Host;
use sim_core::ids::VehicleId;
use sim_core::time::SimTime;
use sim_core::view::replay::Replay;

const W: u32 = 1280;
const H: u32 = 720;

fn vulkan_present() -> bool {
    ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d"]
        .iter()
        .any(|d| std::fs::read_dir(d).is_ok_and(|mut r| r.next().is_some()))
}

/// Whether to go on: a Vulkan device is there, or it is missing outside CI (skip).
fn rendering_possible() -> bool {
    if vulkan_present() {
        return true;
    }
    if std::env::var_os("PETFLEET_REQUIRE_VULKAN").is_some() {
        panic!("no Vulkan driver: .ci/run installs mesa-vulkan-drivers libvulkan1");
    }
    eprintln!("SKIPPED: no Vulkan driver (apt-get install mesa-vulkan-drivers libvulkan1 to run this test)");
    false
}

struct Png {
    px: Vec<[u8; 3]>,
    w: usize,
}

impl Png {
    fn read(path: &Path) -> Png {
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        let ch = info.color_type.samples();
        let px = buf[..info.buffer_size()]
            .chunks(ch)
            .map(|c| [c[0], c[1], c[2]])
            .collect();
        Png {
            px,
            w: info.width as usize,
        }
    }

    fn count(&self, f: impl Fn([u8; 3]) -> bool) -> usize {
        self.px.iter().filter(|p| f(**p)).count()
    }

    /// Pixels matching `f` within `r` pixels of (`x`, `y`).
    fn count_near(&self, (x, y): (f32, f32), r: i64, f: impl Fn([u8; 3]) -> bool) -> usize {
        let mut n = 0;
        for dy in -r..=r {
            for dx in -r..=r {
                let (px, py) = (x as i64 + dx, y as i64 + dy);
                let i = py * self.w as i64 + px;
                if px >= 0
                    && (px as usize) < self.w
                    && i >= 0
                    && (i as usize) < self.px.len()
                    && f(self.px[i as usize])
                {
                    n += 1;
                }
            }
        }
        n
    }
}

fn magenta(p: [u8; 3]) -> bool {
    p[0] > 200 && p[1] < 60 && p[2] > 200
}

#[test]
fn the_default_scenario_at_10_45_shows_the_map_the_accident_and_the_detouring_van() {
    if !rendering_possible() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (shot, out) = (dir.path().join("shot.png"), dir.path().join("viz"));
    let status = Command::new(env!("CARGO_BIN_EXE_petfleet-viz"))
        .args(["run", "--screenshot"])
        .arg(&shot)
        .args([
            "--at",
            "10:45",
            "--exit",
            "--size",
            &format!("{W}x{H}"),
            "--out",
        ])
        .arg(&out)
        .env("RUST_LOG", "warn")
        .status()
        .unwrap();
    assert!(status.success(), "petfleet-viz exited with {status}");
    let img = Png::read(&shot);
    assert_eq!(img.px.len(), (W * H) as usize);
    // Not blank: the background is at most 97 % of the picture.
    let background = img.count(|p| p[0] < 30 && p[1] < 30 && p[2] < 35);
    assert!(
        background < img.px.len() * 97 / 100,
        "{background} background pixels"
    );
    // The map: amber expressways.
    let amber = img.count(|p| p[0] > 180 && (100..200).contains(&p[1]) && p[2] < 90);
    assert!(amber > 400, "{amber} expressway pixels");
    // The accident: the closed Daejeon-Gimcheon stretch in red.
    let red = img.count(|p| p[0] > 200 && p[1] < 50 && p[2] < 50);
    assert!(red > 60, "{red} closed-road pixels");
    // The HUD: light text on its dark panel, top left.
    let hud_text = (0..140)
        .flat_map(|y| (0..600).map(move |x| (x, y)))
        .filter(|&(x, y)| img.px[y * img.w + x].iter().all(|c| *c > 200))
        .count();
    assert!(hud_text > 1_500, "{hud_text} HUD text pixels");
    // The detouring van, in its colour, where the recording puts it at 10:45.
    let rec = scenarios::timeline::read(&out.join("timeline.csv")).unwrap();
    let replay = Replay::new(
        rec.start,
        rec.happenings,
        rec.end,
        petfleet_viz::source::CHECKPOINT_EVERY,
    );
    let at = SimTime(10 * 3_600_000 + 45 * 60_000);
    assert_eq!(
        replay.seek(at).vans[0].state,
        sim_core::event::VanState::Detouring
    );
    let (lat, lon) = replay.position(VehicleId(0), at).unwrap();
    let world = scenarios::run::Loaded::new(None, &DataSource::Bundled).unwrap();
    let opts = reference_options(&dir.path().join("run"));
    let (_, resolved) = world.resolve(&opts).unwrap();
    let p = pixel_of(&resolved.spec.world, (W as f32, H as f32), lat, lon);
    let near = img.count_near((p.x, p.y), 8, magenta);
    assert!(
        near >= 20,
        "{near} detour-coloured pixels near ({:.0}, {:.0})",
        p.x,
        p.y
    );
    assert!(
        img.count(magenta) < 400,
        "only the van is in the detour colour"
    );
    // The run behind the picture is the run `petfleet run` makes.
    scenarios::run::run(&opts).unwrap();
    for name in [
        "bookings.csv",
        "trips.csv",
        "reroutes.csv",
        "timeline.csv",
        "kpis.csv",
        "manifest.json",
    ] {
        let (a, b) = (
            std::fs::read(opts.out.join(name)).unwrap(),
            std::fs::read(out.join(name)).unwrap(),
        );
        assert!(
            a == b,
            "{name} differs between `petfleet run` and the visualizer"
        );
    }
}

fn reference_options(out: &Path) -> RunOptions {
    RunOptions {
        scenario: None,
        seed: None,
        until: None,
        out: out.to_path_buf(),
        host: Host::Reference,
        trace: false,
        record: true,
        data: DataSource::Bundled,
        scale: None,
        overrides: Default::default(),
    }
}

/// `--exit` without a screenshot ends the app when the run ends; without a Vulkan driver
/// the visualizer exits 1 naming the packages to install, before anything panics.
#[test]
fn a_windowless_live_run_exits_at_its_end_or_says_what_to_install() {
    let out = Command::new(env!("CARGO_BIN_EXE_petfleet-viz"))
        .args([
            "run",
            "--windowless",
            "--exit",
            "--until",
            "00:30",
            "--speed",
            "3600",
        ])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if vulkan_present() {
        assert!(out.status.success(), "{err}");
    } else {
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("mesa-vulkan-drivers"), "{err}");
    }
}
