#!/usr/bin/env python3
"""Sanity checks for the demand, partner, pet, climate, tariff and customer data (standard library only).

python3 data/tools/check_demand.py  -> prints the checks and exits non-zero on failure.
"""
from __future__ import annotations

import csv
import os
import re
import sys
import tomllib
from collections import defaultdict

DATA = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
TOL = 1e-9
FAILURES: list[str] = []


def check(cond: bool, msg: str) -> None:
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        FAILURES.append(msg)


def rows(rel: str) -> list[dict]:
    with open(os.path.join(DATA, rel), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def header(rel: str) -> list[str]:
    with open(os.path.join(DATA, rel), encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


def toml(rel: str) -> dict:
    with open(os.path.join(DATA, rel), "rb") as f:
        return tomllib.load(f)


def sums_to_one(values: list[float]) -> bool:
    return abs(sum(values) - 1.0) <= TOL and all(0.0 <= v <= 1.0 for v in values)


def minutes(hhmm: str) -> int | None:
    m = re.fullmatch(r"(\d\d):(\d\d)", hhmm)
    if not m:
        return None
    h, mi = int(m.group(1)), int(m.group(2))
    if mi > 59 or h > 24 or (h == 24 and mi != 0):
        return None
    return h * 60 + mi


EXPECTED_HEADERS = {
    "demand/hourly.csv": ["day_type", "hour", "share"],
    "demand/intercity.csv": ["destination", "share"],
    "demand/pets.csv": ["species", "size", "share", "weight_min_kg", "weight_max_kg"],
    "demand/pet_counts.csv": ["count", "share"],
    "demand/addons.csv": ["service", "share", "partner_kind", "service_min", "fee_key"],
    "partners.csv": ["name", "kind", "node", "capacity", "opens", "closes"],
    "weather/seoul_climate.csv": ["month", "hour", "temp_c", "rel_humidity_pct"],
    "pets/physiology.csv": ["species", "size", "resting_hr_bpm", "max_hr_bpm", "comfort_temp_min_c",
                            "comfort_temp_max_c", "heat_warning_c", "heat_critical_c", "rest_interval_min"],
}

TARIFF_KEYS = {
    "": ["name", "description", "source"],
    "base": ["fare_won", "distance_m"],
    "meter": ["unit_distance_m", "unit_fare_won", "slow_unit_s"],
    "rounding": ["step_won"],
    "surcharges": ["out_of_city_pct", "minimum_fare_won"],
    "pets": ["included_pets", "extra_pet_won", "small_fee_won", "medium_fee_won", "large_fee_won"],
    "waiting": ["free_min", "per_min_won"],
    "addons": ["vet_escort_won", "grooming_booking_won", "hotel_checkin_won"],
    "surge": ["enabled", "min_multiplier", "max_multiplier", "sensitivity"],
}

CUSTOMER_KEYS = {
    "acceptance": ["midpoint", "scale"],
    "requote": ["auto_approve_won", "approve_midpoint", "approve_scale"],
    "patience": ["median_min", "sigma"],
    "support": ["stale_after_min", "call_prob"],
}


def main() -> int:
    for rel, hdr in EXPECTED_HEADERS.items():
        check(header(rel) == hdr, f"{rel}: header {','.join(hdr)}")

    nodes = rows("network/nodes.csv")
    node_kind = {n["name"]: n["kind"] for n in nodes}

    # --- hourly
    hourly = rows("demand/hourly.csv")
    by_day: dict[str, dict[int, float]] = defaultdict(dict)
    for r in hourly:
        by_day[r["day_type"]][int(r["hour"])] = float(r["share"])
    check(set(by_day) == {"weekday", "weekend", "holiday"}, "hourly: day types weekday/weekend/holiday")
    for d, hs in sorted(by_day.items()):
        check(sorted(hs) == list(range(24)) and len(hs) == 24, f"hourly {d}: hours 0..23 once each")
        check(sums_to_one(list(hs.values())), f"hourly {d}: shares sum to 1 (sum={sum(hs.values()):.12f})")
    check(len(hourly) == 72, "hourly: 72 rows")

    # --- intercity
    inter = rows("demand/intercity.csv")
    check(sums_to_one([float(r["share"]) for r in inter]), "intercity: shares sum to 1")
    missing = [r["destination"] for r in inter if r["destination"] not in node_kind]
    check(not missing, f"intercity: every destination is a node in nodes.csv {missing or ''}")
    check(all(node_kind.get(r["destination"]) == "city" and r["destination"] != "Seoul" for r in inter),
          "intercity: destinations are city nodes other than Seoul")
    check(len({r["destination"] for r in inter}) == len(inter), "intercity: no duplicate destination")

    # --- pets
    pets = rows("demand/pets.csv")
    check(sums_to_one([float(r["share"]) for r in pets]), "pets: shares sum to 1")
    combos = {(r["species"], r["size"]) for r in pets}
    check(len(combos) == len(pets), "pets: species/size pairs unique")
    check(all(r["species"] in ("dog", "cat") and r["size"] in ("small", "medium", "large") for r in pets),
          "pets: species dog/cat, size small/medium/large")
    check(("cat", "large") not in combos, "pets: no large cats")
    check(all(0 < float(r["weight_min_kg"]) < float(r["weight_max_kg"]) for r in pets),
          "pets: 0 < weight_min_kg < weight_max_kg")
    dogs = {r["size"]: r for r in pets if r["species"] == "dog"}
    check("medium" in dogs and float(dogs["medium"]["weight_max_kg"]) <= 20.0
          and "large" in dogs and float(dogs["large"]["weight_min_kg"]) >= 20.0,
          "pets: dog medium under 20 kg, large 20 kg and over")

    # --- pet counts
    counts = rows("demand/pet_counts.csv")
    check([int(r["count"]) for r in counts] == [1, 2, 3, 4], "pet_counts: counts 1..4")
    check(sums_to_one([float(r["share"]) for r in counts]), "pet_counts: shares sum to 1")

    # --- tariffs
    tariffs = {}
    for name in ("seoul-taxi-2023", "petfleet-standard"):
        t = toml(f"tariffs/{name}.toml")
        tariffs[name] = t
        missing_keys = [f"{s}.{k}" if s else k for s, ks in TARIFF_KEYS.items() for k in ks
                        if k not in (t.get(s, {}) if s else t)]
        check(not missing_keys, f"tariff {name}: every key present {missing_keys or ''}")
        check(t.get("name") == name, f"tariff {name}: name matches file name")
        bands = t.get("night", [])
        check(bool(bands) and all(minutes(b["from"]) is not None and minutes(b["to"]) is not None
                                  and isinstance(b["surcharge_pct"], int) for b in bands),
              f"tariff {name}: night bands parse")
        money = [t[s][k] for s in ("base", "meter", "rounding", "surcharges", "pets", "waiting", "addons")
                 for k in TARIFF_KEYS[s]]
        check(all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in money),
              f"tariff {name}: money and unit fields are non-negative integers")
        sg = t["surge"]
        check(0 < sg["min_multiplier"] <= 1.0 <= sg["max_multiplier"], f"tariff {name}: surge min <= 1 <= max")
    taxi = tariffs["seoul-taxi-2023"]
    check((taxi["base"]["fare_won"], taxi["base"]["distance_m"], taxi["meter"]["unit_distance_m"],
           taxi["meter"]["unit_fare_won"], taxi["meter"]["slow_unit_s"], taxi["rounding"]["step_won"],
           taxi["surcharges"]["out_of_city_pct"]) == (4800, 1600, 131, 100, 30, 100, 20),
          "seoul-taxi-2023: DOMAIN figures (4800/1600 m, 100 per 131 m or 30 s, rounding 100, +20 % out of city)")
    check([(b["from"], b["to"], b["surcharge_pct"]) for b in taxi["night"]]
          == [("22:00", "23:00", 20), ("23:00", "02:00", 40), ("02:00", "04:00", 20)],
          "seoul-taxi-2023: night bands 22-23 +20, 23-02 +40, 02-04 +20")

    # --- addons
    addons = rows("demand/addons.csv")
    check(sums_to_one([float(r["share"]) for r in addons]), "addons: shares sum to 1")
    check([r["service"] for r in addons] == ["none", "vet_visit", "grooming", "hotel_stay"],
          "addons: services none, vet_visit, grooming, hotel_stay")
    fee_keys = set(TARIFF_KEYS["addons"])
    check(all((r["partner_kind"] == "") == (r["fee_key"] == "") and (r["fee_key"] == "" or r["fee_key"] in fee_keys)
              for r in addons), "addons: fee_key is an [addons] tariff key (empty with no partner)")
    check(all(int(r["service_min"]) >= 0 for r in addons), "addons: service_min >= 0")

    # --- partners
    partners = rows("partners.csv")
    check(all(r["kind"] in ("vet", "groomer", "hotel") for r in partners), "partners: kind vet/groomer/hotel")
    bad_nodes = [r["node"] for r in partners if node_kind.get(r["node"]) != "district"]
    check(not bad_nodes, f"partners: every node is a Seoul district node in nodes.csv {bad_nodes or ''}")
    bad_hours = [r["name"] for r in partners
                 if minutes(r["opens"]) is None or minutes(r["closes"]) is None
                 or not minutes(r["opens"]) < minutes(r["closes"])]
    check(not bad_hours, f"partners: opens/closes parse as HH:MM with opens < closes {bad_hours or ''}")
    check(all(r["capacity"].isdigit() and int(r["capacity"]) > 0 for r in partners), "partners: capacity > 0")
    check(len({r["name"] for r in partners}) == len(partners), "partners: names unique")
    kinds_needed = {r["partner_kind"] for r in addons if r["partner_kind"]}
    check(kinds_needed <= {r["kind"] for r in partners}, "partners: a partner exists for every add-on kind")
    n24 = sum(1 for r in partners if r["kind"] == "vet" and r["opens"] == "00:00" and r["closes"] == "24:00")
    print(f"     partners: {len(partners)} in {len({r['node'] for r in partners})} districts, {n24} 24 h vets")

    # --- physiology
    phys = rows("pets/physiology.csv")
    pcombos = {(r["species"], r["size"]) for r in phys}
    check(combos <= pcombos, f"physiology: covers every species/size of pets.csv {sorted(combos - pcombos) or ''}")
    check(all(float(r["resting_hr_bpm"]) < float(r["max_hr_bpm"])
              and float(r["comfort_temp_min_c"]) < float(r["comfort_temp_max_c"])
              < float(r["heat_warning_c"]) < float(r["heat_critical_c"])
              and int(r["rest_interval_min"]) >= 0 for r in phys),
          "physiology: resting < max HR; comfort min < max < warning < critical; rest interval >= 0")

    # --- climate
    clim = rows("weather/seoul_climate.csv")
    check(len(clim) == 288, f"climate: 288 rows ({len(clim)})")
    check(sorted((int(r["month"]), int(r["hour"])) for r in clim)
          == [(m, h) for m in range(1, 13) for h in range(24)], "climate: every month 1..12 x hour 0..23 once")
    check(all(-30 < float(r["temp_c"]) < 45 and 0 < float(r["rel_humidity_pct"]) <= 100 for r in clim),
          "climate: temperatures and humidity in range")

    # --- customers
    cust = toml("customers.toml")
    missing_keys = [f"{s}.{k}" for s, ks in CUSTOMER_KEYS.items() for k in ks if k not in cust.get(s, {})]
    check(not missing_keys, f"customers: every key present {missing_keys or ''}")
    check(cust["acceptance"]["scale"] > 0 and cust["requote"]["approve_scale"] > 0
          and cust["patience"]["sigma"] > 0 and 0 <= cust["support"]["call_prob"] <= 1,
          "customers: scales and sigma > 0, call_prob in [0,1]")

    print(f"{len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
