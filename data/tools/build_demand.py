#!/usr/bin/env python3
"""Build the demand, pet and climate tables of PetFleet Twin (Python 3.11, standard library only).

Run from anywhere:  python3 data/tools/build_demand.py
It (re)writes, deterministically:
  data/demand/hourly.csv, data/demand/intercity.csv, data/demand/pets.csv,
  data/demand/pet_counts.csv, data/demand/addons.csv, data/weather/seoul_climate.csv
Hand-written files (not touched here): data/tariffs/*.toml, data/customers.toml,
data/partners.csv, data/pets/physiology.csv.
Every figure below carries its source or is marked as a modelling assumption;
data/README.md explains each table.
"""
from __future__ import annotations

import csv
import math
import os
from decimal import Decimal, ROUND_HALF_UP

DATA = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def write_csv(rel: str, header: list[str], rows: list[list]) -> None:
    path = os.path.join(DATA, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writerow(header)
        w.writerows(rows)
    print(f"wrote {rel} ({len(rows)} rows)")


def shares(weights: list[float], places: int = 4) -> list[str]:
    """Normalise weights to shares rounded to `places` decimals (half up) that sum to
    exactly 1; the rounding residue goes to the largest share (as the data spec asks)."""
    total = sum(weights)
    q = Decimal(1).scaleb(-places)
    out = [(Decimal(repr(w)) / Decimal(repr(total))).quantize(q, ROUND_HALF_UP) for w in weights]
    residue = Decimal(1) - sum(out)
    i = max(range(len(out)), key=lambda k: out[k])
    out[i] += residue
    assert sum(out) == Decimal(1)
    return [format(v, "f") for v in out]


# ---------------------------------------------------------------------------
# Hourly booking profile (MODELLING ASSUMPTION; relative weights per hour 0..23)
# ---------------------------------------------------------------------------
# weekday: animal hospitals open about 09:00/10:00-19:00/20:00 (a few 24 h), groomers
#   10:00-19:00; hotel drop-offs before work (07-09) and pick-ups after work (18-20);
#   a small night tail for 24 h emergency clinics.
# weekend: no commute peak, a late morning start, more grooming and hotel trips,
#   long flat afternoon.
# holiday (Seollal/Chuseok and other public holidays of data/calendar/holidays.csv):
#   departures concentrated in the morning (hotel drop-offs before the family leaves,
#   intercity trips with the pet), then a thin day.
HOURLY_WEIGHTS = {
    "weekday": [0.4, 0.3, 0.2, 0.2, 0.2, 0.3, 0.8, 2.5, 4.5, 7.0, 8.5, 8.0,
                6.5, 7.5, 8.0, 7.5, 7.0, 7.0, 7.5, 6.0, 4.0, 2.5, 1.5, 0.8],
    "weekend": [0.4, 0.3, 0.2, 0.2, 0.2, 0.3, 0.5, 1.2, 3.0, 6.5, 9.5, 10.0,
                8.5, 8.5, 8.5, 8.0, 7.5, 7.0, 6.0, 4.5, 3.0, 2.0, 1.2, 0.7],
    "holiday": [0.4, 0.3, 0.2, 0.2, 0.4, 1.0, 4.0, 9.0, 12.0, 12.0, 10.0, 8.0,
                6.0, 5.0, 4.5, 4.5, 4.5, 4.0, 3.5, 3.0, 2.0, 1.5, 1.0, 0.6],
}

# ---------------------------------------------------------------------------
# Intercity destinations from Seoul: weight = resident population (named basis)
# ---------------------------------------------------------------------------
# (node, population, source). Capital-region cities (Incheon, Suwon, Hanam, Icheon, Yeoju,
# Yangpyeong) are excluded: trips there are metropolitan trips (out-of-city surcharge),
# not long-distance intercity trips.
SRC_2017 = "2017 city population, Wikipedia 'List of cities in South Korea' table (via dtbse.com dataset 'Cities in South Korea')"
SRC_2010 = "2010 Population and Housing Census (Statistics Korea), via the Wikipedia city list (maps7.com copy)"
SRC_WONJU = "31 Dec 2019 resident registration (German Wikipedia 'Wonju')"
SRC_GN = "2020 census urban area (citypopulation.de, Gangwon-do); city total is larger"
INTERCITY = [
    ("Busan", 3_496_779, SRC_2017),
    ("Daegu", 2_484_688, SRC_2017),
    ("Daejeon", 1_514_354, SRC_2017),
    ("Gwangju", 1_469_293, SRC_2010),
    ("Ulsan", 1_082_567, SRC_2010),
    ("Changwon", 1_063_116, SRC_2017),
    ("Cheongju", 835_802, SRC_2017),
    ("Jeonju", 649_728, SRC_2010),
    ("Cheonan", 619_286, SRC_2017),
    ("Wonju", 352_860, SRC_WONJU),
    ("Chuncheon", 280_565, SRC_2017),
    ("Chungju", 208_288, SRC_2017),
    ("Gangneung", 172_201, SRC_GN),
    ("Andong", 168_226, SRC_2017),
]

# ---------------------------------------------------------------------------
# Pet mix per booking: (species, size, share of bookings, weight_min_kg, weight_max_kg)
# ---------------------------------------------------------------------------
# Species: KB Financial Group '2023 Korea Pet Report' (end-2022): of pet households 71.4 %
#   keep dogs and 27.1 % cats -> dog share 71.4 / (71.4 + 27.1) = 0.725 of dog+cat bookings.
# Dog sizes (small = carried, under 10 kg as NIAS's small-dog class; medium 10-20 kg;
#   large 20 kg and over, the pet-taxi classes of DOMAIN.md): Korean dogs are mostly small
#   breeds (KB 2023 top breeds Maltese 20.4 %, Poodle 18.9 %, mixed 15.1 %, Pomeranian 12.8 %;
#   Korea Pet Food Association 2018 survey: mean dog weight 7.1 kg). Ownership mix assumed
#   0.78 / 0.15 / 0.07 (mean about 7.5 kg with class means 4.5 / 14 / 27 kg, near 7.1 kg).
#   Bookings are tilted to bigger dogs, which cannot ride an ordinary taxi in a carrier:
#   dog booking mix 0.62 / 0.24 / 0.14 (MODELLING ASSUMPTION).
# Cats: carried (small) 0.90; 'medium' = large-frame cats over 6 kg 0.10 (ASSUMPTION;
#   mean cat weight 5.4 kg, Korea Pet Food Association 2018). No large cats.
DOG_SHARE = 0.725
CAT_SHARE = 1.0 - DOG_SHARE
PETS = [
    ("dog", "small", DOG_SHARE * 0.62, 1.5, 10.0),
    ("dog", "medium", DOG_SHARE * 0.24, 10.0, 20.0),
    ("dog", "large", DOG_SHARE * 0.14, 20.0, 45.0),
    ("cat", "small", CAT_SHARE * 0.90, 2.5, 6.0),
    ("cat", "medium", CAT_SHARE * 0.10, 6.0, 10.0),
]

# ---------------------------------------------------------------------------
# Pets per booking (1..4): KB '2021 Korea Pet Report' (end-2020): 6.04 M pet households,
# 80.7 % with dogs and 25.7 % with cats; 5.86 M dogs and 2.11 M cats -> 1.20 dogs per
# dog household, 1.36 cats per cat household. Shares chosen to give a mean of 1.26 pets
# per booking, capped at 4 (one pet-taxi operator carries up to 4 pets, DOMAIN.md).
# ---------------------------------------------------------------------------
PET_COUNTS = [(1, 0.80), (2, 0.15), (3, 0.04), (4, 0.01)]

# ---------------------------------------------------------------------------
# Add-on services booked with the trip (MODELLING ASSUMPTION; see README):
# (service, share, partner_kind, service_min, fee_key)
# ---------------------------------------------------------------------------
ADDONS = [
    ("none", 0.45, "", 0, ""),
    ("vet_visit", 0.30, "vet", 45, "vet_escort_won"),
    ("grooming", 0.15, "groomer", 120, "grooming_booking_won"),
    ("hotel_stay", 0.10, "hotel", 15, "hotel_checkin_won"),
]

# ---------------------------------------------------------------------------
# Seoul (KMA station 108) climate normals 1991-2020, by month 1..12:
# mean daily maximum, mean daily minimum (deg C), mean relative humidity (%).
# Transcribed from the KMA 1991-2020 normals (as tabulated in Wikipedia 'Climate of
# Seoul'); values confirmed in this session: Jul/Aug max 28.6/29.6 (MBN, citing KMA),
# Jan mean -1.9, Aug mean 26.1, annual mean 12.8 (Wikipedia). The other values are
# APPROXIMATE (+-0.5 deg C, humidity +-3 points) - replace with the KMA table when at hand.
# ---------------------------------------------------------------------------
CLIMATE = [  # month, tmax, tmin, rh
    (1, 1.5, -5.5, 57),
    (2, 4.7, -3.0, 55),
    (3, 10.4, 2.1, 55),
    (4, 17.7, 7.9, 55),
    (5, 23.4, 13.4, 60),
    (6, 27.0, 18.3, 66),
    (7, 28.6, 22.4, 77),
    (8, 29.6, 23.0, 75),
    (9, 25.9, 17.9, 69),
    (10, 20.0, 10.7, 64),
    (11, 11.8, 3.6, 61),
    (12, 4.0, -3.2, 58),
]
T_MIN_HOUR = 6     # hour of the daily minimum
T_MAX_HOUR = 15    # hour of the daily maximum
RH_AMPLITUDE = 12  # half the diurnal humidity range, percentage points (ASSUMPTION)


def diurnal_shape(hour: int) -> float:
    """0 at T_MIN_HOUR, 1 at T_MAX_HOUR: a half cosine rising over the 9 h from 06 to 15
    and a half cosine falling over the 15 h from 15 to 06 next day."""
    rise = T_MAX_HOUR - T_MIN_HOUR
    fall = 24 - rise
    if T_MIN_HOUR <= hour <= T_MAX_HOUR:
        return (1 - math.cos(math.pi * (hour - T_MIN_HOUR) / rise)) / 2
    since_max = (hour - T_MAX_HOUR) % 24
    return (1 + math.cos(math.pi * since_max / fall)) / 2


def r1(x: float) -> str:
    return format(Decimal(repr(x)).quantize(Decimal("0.1"), ROUND_HALF_UP), "f")


def main() -> None:
    rows = []
    for day_type, weights in HOURLY_WEIGHTS.items():
        assert len(weights) == 24
        for hour, s in enumerate(shares(weights)):
            rows.append([day_type, hour, s])
    write_csv("demand/hourly.csv", ["day_type", "hour", "share"], rows)

    names = [n for n, _, _ in INTERCITY]
    pops = [float(p) for _, p, _ in INTERCITY]
    write_csv("demand/intercity.csv", ["destination", "share"],
              [[n, s] for n, s in zip(names, shares(pops))])

    ps = shares([p[2] for p in PETS])
    write_csv("demand/pets.csv", ["species", "size", "share", "weight_min_kg", "weight_max_kg"],
              [[sp, sz, s, r1(lo), r1(hi)] for (sp, sz, _, lo, hi), s in zip(PETS, ps)])

    cs = shares([w for _, w in PET_COUNTS], places=2)
    write_csv("demand/pet_counts.csv", ["count", "share"],
              [[c, s] for (c, _), s in zip(PET_COUNTS, cs)])

    as_ = shares([a[1] for a in ADDONS], places=2)
    write_csv("demand/addons.csv", ["service", "share", "partner_kind", "service_min", "fee_key"],
              [[sv, s, pk, mins, fk] for (sv, _, pk, mins, fk), s in zip(ADDONS, as_)])

    rows = []
    for month, tmax, tmin, rh in CLIMATE:
        for hour in range(24):
            x = diurnal_shape(hour)
            temp = tmin + (tmax - tmin) * x
            hum = min(98.0, max(5.0, rh + RH_AMPLITUDE * (1 - 2 * x)))
            rows.append([month, hour, r1(temp), r1(hum)])
    write_csv("weather/seoul_climate.csv", ["month", "hour", "temp_c", "rel_humidity_pct"], rows)


if __name__ == "__main__":
    main()
