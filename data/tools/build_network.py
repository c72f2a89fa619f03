#!/usr/bin/env python3
"""Build the bundled PetFleet Twin data files (Python 3.11, standard library only).

Run from anywhere:  python3 data/tools/build_network.py
It (re)writes, deterministically:
  data/network/nodes.csv, data/network/edges.csv, data/network/roads.csv,
  data/traffic/profiles.csv, data/traffic/accidents.csv, data/calendar/holidays.csv
Every figure below carries its source; data/README.md explains the methods.
"""
from __future__ import annotations

import csv
import math
import os
from decimal import Decimal, ROUND_HALF_UP

DATA = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean Earth radius
URBAN_DETOUR_FACTOR = 1.3     # Seoul urban links and connectors: haversine x 1.3

# ---------------------------------------------------------------------------
# Nodes: (name, lat, lon, kind, population, source)
# ---------------------------------------------------------------------------
SRC_DOMAIN = "DOMAIN.md (The road network)"
SRC_CITYHALL = ("approximate city/county-hall position from general reference maps "
                "(+-0.01 deg; not surveyed)")
SRC_JCT = "approximate position of the interchange read from the road's route (+-2 km)"
SRC_CENTROID = ("area centroid of the KOSTAT 2013 district polygon (southkorea/seoul-maps, "
                "kostat/2013/json/seoul_municipalities_geo_simple.json; vertex subset)")
SRC_POP = ("MOIS resident registration population, end of December 2013 "
           "(Seoul total 10,143,645; via Academy of Korean Studies, Geography of Korea, Table 4-1)")

CITIES = [  # exactly the DOMAIN.md names and coordinates, in DOMAIN order
    ("Seoul", 37.5683, 126.9778),
    ("Suwon", 37.2911, 127.0089),
    ("Cheonan", 36.8065, 127.1522),
    ("Cheongju", 36.6372, 127.4897),
    ("Daejeon", 36.3214, 127.4197),
    ("Gimcheon", 36.1218, 128.1198),
    ("Daegu", 35.8703, 128.5911),
    ("Gyeongju", 35.8428, 129.2117),
    ("Ulsan", 35.5372, 129.3167),
    ("Busan", 35.1028, 129.0403),
    ("Gwangju", 35.1547, 126.9156),
    ("Jeonju", 35.8219, 127.1489),
    ("Gangneung", 37.7556, 128.8961),
    ("Wonju", 37.3514, 127.9453),
    ("Chungju", 36.9706, 127.9322),
    ("Nonsan", 36.2039, 127.0847),
    ("Sangju", 36.4153, 128.1606),
    ("Andong", 36.5656, 128.7250),
    ("Changwon", 35.2281, 128.6811),
    ("Jinju", 35.1928, 128.0847),
    ("Suncheon", 34.9481, 127.4895),
    ("Mokpo", 34.7936, 126.3886),
    ("Icheon", 37.2792, 127.4425),
    ("Yeoju", 37.2958, 127.6339),
]

EXTRA_CITIES = [  # road end points not listed in DOMAIN.md
    ("Incheon", 37.4563, 126.7052),     # Incheon City Hall (Yeongdong west end: Seochang JCT area)
    ("Yangpyeong", 37.4918, 127.4876),  # Yangpyeong County Office (Jungbu Naeryuk north end)
    ("Hanam", 37.5393, 127.2148),       # Hanam City Hall (Jungbu north end)
    ("Chuncheon", 37.8813, 127.7300),   # Chuncheon City Hall (Jungang north end)
    ("Yeongam", 34.8003, 126.6968),     # Yeongam County Office (Namhae west end)
    ("Dangjin", 36.8898, 126.6459),     # Dangjin City Hall (Seohaean)
    ("Seosan", 36.7848, 126.4503),      # Seosan City Hall (Seohaean)
    ("Gunsan", 35.9676, 126.7367),      # Gunsan City Hall (Seohaean)
]

JUNCTIONS = [  # only where the topology needs them; all approximate
    ("Hannam IC", 37.5180, 127.0195,
     "Gyeongbu northern terminus at the south end of Hannam Bridge (Seocho-gu Jamwon-dong); " + SRC_JCT),
    ("Cheongju JCT", 36.5550, 127.4300,
     "Gyeongbu x Dangjin-Yeongdeok (Cheongju-Sangju section), Nami-myeon Cheoksan-ri, Cheongju "
     "(Hankyung 2007-11-14), south of Nami JCT; " + SRC_JCT),
    ("Nakdong JCT", 36.3750, 128.2250,
     "Jungbu Naeryuk x Dangjin-Yeongdeok, Nakdong-myeon Sangchon-ri, Sangju (Hankyung 2007-11-14), "
     "between Seonsan IC and Sangju IC; " + SRC_JCT),
    ("Eonyang JCT", 35.5700, 129.1300,
     "Gyeongbu x Ulsan Expressway, Eonyang, Ulju-gun; " + SRC_JCT),
    ("Geumcheon IC", 37.4400, 126.8770,
     "Seohaean Expressway northern start at the Seoul (Geumcheon-gu) boundary; " + SRC_JCT),
    ("Hobeop JCT", 37.2180, 127.4300,
     "Jungbu x Yeongdong, Hobeop-myeon, Icheon; " + SRC_JCT),
    ("Guseo IC", 35.2500, 129.0920,
     "Gyeongbu southern terminus, Guseo-dong, Geumjeong-gu, Busan; " + SRC_JCT),
    ("Daedong JCT", 35.2640, 128.9780,
     "Daegu-Busan southern end, Daedong-myeon, Gimhae; " + SRC_JCT),
    ("Ulsan IC", 35.5530, 129.2620,
     "Ulsan Expressway eastern end (Sinbok rotary), Ulsan; " + SRC_JCT),
]

# Seoul districts: centroid (lat, lon) and population. Centroids were computed once
# (outside this script) from a transcribed vertex subset of the polygons (shoelace centroid
# on an equirectangular projection); they agree with the official areas within ~3 %.
DISTRICTS = [
    ("Jongno-gu", 37.5916, 126.9800, 160070),
    ("Jung-gu", 37.5571, 126.9976, 130465),
    ("Yongsan-gu", 37.5295, 126.9823, 239740),
    ("Seongdong-gu", 37.5484, 127.0433, 299337),
    ("Gwangjin-gu", 37.5441, 127.0887, 368927),
    ("Dongdaemun-gu", 37.5790, 127.0573, 364273),
    ("Jungnang-gu", 37.5950, 127.0951, 416798),
    ("Seongbuk-gu", 37.6029, 127.0206, 476589),
    ("Gangbuk-gu", 37.6404, 127.0137, 338707),
    ("Dobong-gu", 37.6668, 127.0344, 358582),
    ("Nowon-gu", 37.6490, 127.0771, 590479),
    ("Eunpyeong-gu", 37.6175, 126.9307, 503660),
    ("Seodaemun-gu", 37.5746, 126.9412, 314110),
    ("Mapo-gu", 37.5553, 126.9124, 381856),
    ("Yangcheon-gu", 37.5218, 126.8579, 492528),
    ("Gangseo-gu", 37.5583, 126.8267, 569070),
    ("Guro-gu", 37.4914, 126.8589, 424964),
    ("Geumcheon-gu", 37.4578, 126.9035, 241020),
    ("Yeongdeungpo-gu", 37.5177, 126.9116, 386471),
    ("Dongjak-gu", 37.4970, 126.9539, 410815),
    ("Gwanak-gu", 37.4644, 126.9483, 518028),
    ("Seocho-gu", 37.4707, 127.0333, 441763),
    ("Gangnam-gu", 37.4943, 127.0649, 563599),
    ("Songpa-gu", 37.5024, 127.1171, 668415),
    ("Gangdong-gu", 37.5484, 127.1489, 483379),
]

# ---------------------------------------------------------------------------
# Expressways: (road, number, published_km, length source, speed_kmh, lanes/dir, chain)
# speed: posted limit on most of the route (DOMAIN.md gives 100-110 for Gyeongbu and
# Jungbu Naeryuk and 110 for Seohaean; Cheongju-Sangju 110 per Hankyung 2007-11-14;
# the others are signed 100 on most sections). lanes: typical lanes per direction
# on most of the route (approximate; widened sections near cities have more).
# ---------------------------------------------------------------------------
EXPRESSWAYS = [
    ("Gyeongbu", "1", 416.0, SRC_DOMAIN, 110, 3,
     ["Hannam IC", "Suwon", "Cheonan", "Cheongju", "Cheongju JCT", "Daejeon", "Gimcheon",
      "Daegu", "Gyeongju", "Eonyang JCT", "Guseo IC"]),
    ("Jungbu Naeryuk", "45", 302.0, SRC_DOMAIN, 110, 2,
     ["Changwon", "Daegu", "Gimcheon", "Nakdong JCT", "Sangju", "Chungju", "Yeoju", "Yangpyeong"]),
    ("Yeongdong", "50", 234.0, SRC_DOMAIN, 100, 3,
     ["Incheon", "Suwon", "Icheon", "Hobeop JCT", "Yeoju", "Wonju", "Gangneung"]),
    ("Honam", "25", 207.0, SRC_DOMAIN, 100, 2,
     ["Nonsan", "Jeonju", "Gwangju", "Suncheon"]),
    ("Honam Branch", "251", 54.0, SRC_DOMAIN, 100, 2,
     ["Nonsan", "Daejeon"]),
    ("Nonsan-Cheonan", "25", 82.0, SRC_DOMAIN, 100, 2,
     ["Cheonan", "Nonsan"]),
    ("Seohaean", "15", 340.0,
     SRC_DOMAIN + ": published 337-346 km; 340 km chosen (within the range)", 110, 3,
     ["Geumcheon IC", "Dangjin", "Seosan", "Gunsan", "Mokpo"]),
    ("Jungbu", "35", 117.0, SRC_DOMAIN, 100, 2,
     ["Hanam", "Hobeop JCT", "Cheongju"]),
    ("Daegu-Busan", "55", 82.0, SRC_DOMAIN, 100, 2,
     ["Daegu", "Daedong JCT"]),
    ("Jungang", "55", 289.0, SRC_DOMAIN, 100, 2,
     ["Daegu", "Andong", "Wonju", "Chuncheon"]),
    ("Namhae", "10", 273.0, SRC_DOMAIN, 100, 2,
     ["Yeongam", "Suncheon", "Jinju", "Changwon", "Busan"]),
    ("Cheongju-Sangju", "30", 80.5,
     "Ministry of Construction and Transportation opening announcement, Cheongwon (now Cheongju) JCT "
     "to Nakdong JCT 80.5 km (Asia Economy 2007-11-27; Hankyung 2007-11-14; Donga 2007-10-29)", 110, 2,
     ["Cheongju JCT", "Nakdong JCT"]),
    ("Ulsan", "16", 14.0,
     "German Wikipedia: Expressway 16 (Suedkorea), Eonyang-Ulsan 14 km", 100, 2,
     ["Eonyang JCT", "Ulsan IC"]),
]

# ---------------------------------------------------------------------------
# Seoul district adjacency (shared border of positive length in the KOSTAT 2013
# polygons; pairs touching at a single point are left out). Across the Han River
# districts are neighbours where a bridge joins them; the bridges are named.
# ---------------------------------------------------------------------------
ADJACENCY = [
    ("Jongno-gu", "Jung-gu", ""),
    ("Jongno-gu", "Dongdaemun-gu", ""),
    ("Jongno-gu", "Seongbuk-gu", ""),
    ("Jongno-gu", "Eunpyeong-gu", ""),
    ("Jongno-gu", "Seodaemun-gu", ""),
    ("Jung-gu", "Yongsan-gu", ""),
    ("Jung-gu", "Seongdong-gu", ""),
    ("Jung-gu", "Seodaemun-gu", ""),
    ("Jung-gu", "Mapo-gu", ""),
    ("Yongsan-gu", "Seongdong-gu", ""),
    ("Yongsan-gu", "Mapo-gu", ""),
    ("Yongsan-gu", "Yeongdeungpo-gu", "Wonhyo Bridge"),
    ("Yongsan-gu", "Dongjak-gu", "Hangang Bridge/Dongjak Bridge"),
    ("Yongsan-gu", "Seocho-gu", "Banpo Bridge/Jamsu Bridge"),
    ("Yongsan-gu", "Gangnam-gu", "Hannam Bridge"),
    ("Seongdong-gu", "Gwangjin-gu", ""),
    ("Seongdong-gu", "Dongdaemun-gu", ""),
    ("Seongdong-gu", "Gangnam-gu", "Dongho Bridge/Seongsu Bridge"),
    ("Gwangjin-gu", "Dongdaemun-gu", ""),
    ("Gwangjin-gu", "Jungnang-gu", ""),
    ("Gwangjin-gu", "Gangnam-gu", "Yeongdong Bridge/Cheongdam Bridge"),
    ("Gwangjin-gu", "Songpa-gu", "Jamsil Bridge/Olympic Bridge"),
    ("Gwangjin-gu", "Gangdong-gu", "Cheonho Bridge/Gwangjin Bridge"),
    ("Dongdaemun-gu", "Jungnang-gu", ""),
    ("Dongdaemun-gu", "Seongbuk-gu", ""),
    ("Jungnang-gu", "Seongbuk-gu", ""),
    ("Jungnang-gu", "Nowon-gu", ""),
    ("Seongbuk-gu", "Gangbuk-gu", ""),
    ("Seongbuk-gu", "Nowon-gu", ""),
    ("Gangbuk-gu", "Dobong-gu", ""),
    ("Gangbuk-gu", "Nowon-gu", ""),
    ("Dobong-gu", "Nowon-gu", ""),
    ("Eunpyeong-gu", "Seodaemun-gu", ""),
    ("Eunpyeong-gu", "Mapo-gu", ""),
    ("Seodaemun-gu", "Mapo-gu", ""),
    ("Mapo-gu", "Yeongdeungpo-gu", "Mapo Bridge/Seogang Bridge/Yanghwa Bridge"),
    ("Mapo-gu", "Gangseo-gu", "Gayang Bridge"),
    ("Yangcheon-gu", "Gangseo-gu", ""),
    ("Yangcheon-gu", "Guro-gu", ""),
    ("Yangcheon-gu", "Yeongdeungpo-gu", ""),
    ("Gangseo-gu", "Yeongdeungpo-gu", ""),
    ("Guro-gu", "Geumcheon-gu", ""),
    ("Guro-gu", "Yeongdeungpo-gu", ""),
    ("Guro-gu", "Gwanak-gu", ""),
    ("Geumcheon-gu", "Gwanak-gu", ""),
    ("Yeongdeungpo-gu", "Dongjak-gu", ""),
    ("Dongjak-gu", "Gwanak-gu", ""),
    ("Dongjak-gu", "Seocho-gu", ""),
    ("Gwanak-gu", "Seocho-gu", ""),
    ("Seocho-gu", "Gangnam-gu", ""),
    ("Gangnam-gu", "Songpa-gu", ""),
    ("Songpa-gu", "Gangdong-gu", ""),
]

ARTERIAL_SPEED, ARTERIAL_LANES = 50, 3          # Seoul "Safe Speed 5030"
URBAN_XWAY_SPEED = 80                           # Olympic-daero, Gangbyeon-buk-ro
CONNECTOR_SPEED, CONNECTOR_LANES = 60, 2

# Urban expressways as ordered chains of the districts they run along.
URBAN_EXPRESSWAYS = [
    ("Olympic-daero", 4, ["Gangseo-gu", "Yeongdeungpo-gu", "Dongjak-gu", "Seocho-gu",
                          "Gangnam-gu", "Songpa-gu", "Gangdong-gu"]),
    ("Gangbyeon-buk-ro", 3, ["Mapo-gu", "Yongsan-gu", "Seongdong-gu", "Gwangjin-gu"]),
]

# Connectors: (from, to, description)
CONNECTORS = [
    ("Seoul", "Jung-gu", "Seoul City Hall"),
    ("Hannam IC", "Seocho-gu", "Gyeongbu north end"),
    ("Hannam IC", "Gangnam-gu", "Gyeongbu north end"),
    ("Hannam IC", "Yongsan-gu", "Gyeongbu north end via Hannam Bridge"),
    ("Geumcheon IC", "Geumcheon-gu", "Seohaean start"),
    ("Hanam", "Gangdong-gu", "Jungbu north end"),
    ("Hanam", "Songpa-gu", "Jungbu north end"),
    ("Yangcheon-gu", "Incheon", "Gyeongin Expressway corridor"),
    ("Guseo IC", "Busan", "Gyeongbu south end"),
    ("Daedong JCT", "Busan", "via the Jungang Expressway Busan section"),
    ("Ulsan IC", "Ulsan", "Ulsan Expressway end"),
    ("Mokpo", "Yeongam", "Yeongsan River estuary"),
]


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def round_to_total(values: list[float], total: int) -> list[int]:
    """Round to integers whose sum is exactly `total` (largest-remainder method)."""
    floors = [math.floor(v) for v in values]
    short = total - sum(floors)
    order = sorted(range(len(values)), key=lambda i: (-(values[i] - floors[i]), i))
    for i in order[:short]:
        floors[i] += 1
    return floors


def half_up(x: float) -> int:
    return int(Decimal(repr(x)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def build_nodes():
    nodes = []  # dicts
    for name, lat, lon in CITIES:
        nodes.append(dict(name=name, lat=lat, lon=lon, kind="city", population="", source=SRC_DOMAIN))
    for name, lat, lon in EXTRA_CITIES:
        nodes.append(dict(name=name, lat=lat, lon=lon, kind="city", population="", source=SRC_CITYHALL))
    for name, lat, lon, src in JUNCTIONS:
        nodes.append(dict(name=name, lat=lat, lon=lon, kind="junction", population="", source=src))
    for name, lat, lon, pop in DISTRICTS:
        nodes.append(dict(name=name, lat=lat, lon=lon, kind="district", population=pop,
                          source=SRC_CENTROID + "; population: " + SRC_POP))
    names = [n["name"] for n in nodes]
    assert len(names) == len(set(names)), "duplicate node names"
    assert all(n.isascii() for n in names)
    assert sum(d[3] for d in DISTRICTS) == 10_143_645  # MOIS Dec 2013 Seoul total
    for i, n in enumerate(nodes):
        n["id"] = i
    return nodes


def build_edges(nodes):
    idx = {n["name"]: n for n in nodes}
    pos = lambda name: (idx[name]["lat"], idx[name]["lon"])
    edges = []
    factors = {}
    for road, _num, km, _src, speed, lanes, chain in EXPRESSWAYS:
        segs = [haversine_m(pos(a), pos(b)) for a, b in zip(chain, chain[1:])]
        factor = km * 1000.0 / sum(segs)
        factors[road] = (factor, sum(segs))
        lengths = round_to_total([s * factor for s in segs], half_up(km * 1000.0))
        for (a, b), length in zip(zip(chain, chain[1:]), lengths):
            edges.append((idx[a]["id"], idx[b]["id"], road, "expressway", length, speed, lanes))
    urban = lambda a, b: half_up(haversine_m(pos(a), pos(b)) * URBAN_DETOUR_FACTOR)
    for a, b, bridges in ADJACENCY:
        road = f"Arterial {a} - {b}" + (f" ({bridges})" if bridges else "")
        edges.append((idx[a]["id"], idx[b]["id"], road, "arterial", urban(a, b),
                      ARTERIAL_SPEED, ARTERIAL_LANES))
    for road, lanes, chain in URBAN_EXPRESSWAYS:
        for a, b in zip(chain, chain[1:]):
            edges.append((idx[a]["id"], idx[b]["id"], road, "urban_expressway", urban(a, b),
                          URBAN_XWAY_SPEED, lanes))
    for a, b, desc in CONNECTORS:
        edges.append((idx[a]["id"], idx[b]["id"], f"Connector {a} - {b} ({desc})", "connector",
                      urban(a, b), CONNECTOR_SPEED, CONNECTOR_LANES))
    return edges, factors


# ---------------------------------------------------------------------------
# Traffic profiles: factor = mean speed / free-flow (posted) speed at hour start.
# See data/README.md for where each shape comes from.
# ---------------------------------------------------------------------------
PROFILES = {
    # Seoul city roads (TOPIS): daytime 07-21 mean 0.46 x 50 = 23 km/h; slowest at
    # 08-09 and 18-19; near free flow at night.
    ("weekday", "arterial"): [0.80, 0.86, 0.88, 0.88, 0.88, 0.84, 0.70, 0.52, 0.41, 0.46, 0.49, 0.50,
                              0.49, 0.50, 0.49, 0.48, 0.46, 0.42, 0.37, 0.41, 0.49, 0.55, 0.62, 0.72],
    ("weekend", "arterial"): [0.76, 0.82, 0.86, 0.88, 0.88, 0.88, 0.84, 0.76, 0.66, 0.56, 0.50, 0.47,
                              0.45, 0.45, 0.44, 0.44, 0.44, 0.43, 0.43, 0.46, 0.52, 0.58, 0.64, 0.70],
    ("holiday", "arterial"): [0.84, 0.88, 0.90, 0.90, 0.90, 0.90, 0.88, 0.82, 0.76, 0.70, 0.64, 0.60,
                              0.58, 0.58, 0.58, 0.58, 0.58, 0.58, 0.60, 0.64, 0.70, 0.76, 0.80, 0.82],
    # Seoul urban expressways (TOPIS 2024 report: 50.2 km/h average, i.e. 0.63 of 80).
    ("weekday", "urban_expressway"): [0.90, 0.94, 0.95, 0.95, 0.95, 0.90, 0.75, 0.50, 0.38, 0.45, 0.58, 0.62,
                                      0.64, 0.64, 0.62, 0.58, 0.52, 0.42, 0.35, 0.42, 0.58, 0.70, 0.78, 0.85],
    ("weekend", "urban_expressway"): [0.88, 0.92, 0.95, 0.95, 0.95, 0.95, 0.92, 0.85, 0.72, 0.60, 0.55, 0.52,
                                      0.52, 0.52, 0.52, 0.50, 0.48, 0.47, 0.48, 0.55, 0.65, 0.74, 0.80, 0.85],
    ("holiday", "urban_expressway"): [0.90, 0.94, 0.95, 0.95, 0.95, 0.95, 0.90, 0.80, 0.68, 0.58, 0.52, 0.50,
                                      0.50, 0.50, 0.50, 0.50, 0.52, 0.55, 0.58, 0.64, 0.72, 0.80, 0.85, 0.88],
    # Inter-city expressways (KEC patterns): weekday commuter peaks near cities;
    # weekend outbound Saturday morning + inbound Sunday evening merged into one
    # profile; Seollal/Chuseok down to ~0.45 in the daytime (Seoul-Busan 5-10 h vs 4 h 40).
    ("weekday", "expressway"): [0.98, 1.00, 1.00, 1.00, 0.98, 0.95, 0.88, 0.78, 0.74, 0.82, 0.88, 0.90,
                                0.90, 0.90, 0.88, 0.86, 0.82, 0.76, 0.72, 0.80, 0.88, 0.92, 0.95, 0.97],
    ("weekend", "expressway"): [0.97, 0.99, 1.00, 1.00, 0.98, 0.95, 0.88, 0.78, 0.68, 0.64, 0.66, 0.72,
                                0.78, 0.80, 0.76, 0.70, 0.64, 0.62, 0.64, 0.70, 0.80, 0.88, 0.93, 0.96],
    ("holiday", "expressway"): [0.85, 0.88, 0.90, 0.88, 0.84, 0.78, 0.68, 0.58, 0.50, 0.47, 0.45, 0.45,
                                0.45, 0.45, 0.46, 0.48, 0.50, 0.52, 0.55, 0.60, 0.66, 0.72, 0.78, 0.82],
    # Connectors (city edge / national roads): between arterial and expressway (assumption).
    ("weekday", "connector"): [0.90, 0.94, 0.95, 0.95, 0.94, 0.90, 0.78, 0.60, 0.50, 0.56, 0.64, 0.66,
                               0.66, 0.66, 0.64, 0.62, 0.58, 0.52, 0.48, 0.55, 0.66, 0.74, 0.80, 0.86],
    ("weekend", "connector"): [0.88, 0.92, 0.95, 0.95, 0.95, 0.94, 0.90, 0.82, 0.70, 0.62, 0.58, 0.56,
                               0.56, 0.56, 0.56, 0.55, 0.54, 0.53, 0.54, 0.60, 0.68, 0.76, 0.82, 0.86],
    ("holiday", "connector"): [0.88, 0.92, 0.94, 0.94, 0.92, 0.88, 0.80, 0.70, 0.60, 0.54, 0.50, 0.48,
                               0.48, 0.48, 0.48, 0.50, 0.52, 0.55, 0.58, 0.62, 0.68, 0.75, 0.80, 0.85],
}

# ---------------------------------------------------------------------------
# Accidents per class. rate = accidents per km of one direction per hour.
# ---------------------------------------------------------------------------
HOURS_PER_YEAR = 8760
ACCIDENTS_PER_KM_YEAR = {  # both directions; MOLIT road statistics (end 2018)
    "expressway": 0.87,        # expressways (gosok gukdo)
    "urban_expressway": 4.19,  # special/metropolitan city roads (Seoul city expressways are city roads)
    "arterial": 4.19,          # special/metropolitan city roads
    "connector": 1.95,         # all-road national average
}
ACCIDENT_PARAMS = {  # closure_share, lanes_lost_max, mean_duration_min, capacity_factor_per_lane_lost
    "expressway": (0.043, 2, 45, 0.45),
    "urban_expressway": (0.03, 2, 40, 0.45),
    "arterial": (0.01, 1, 30, 0.50),
    "connector": (0.02, 1, 30, 0.50),
}

# ---------------------------------------------------------------------------
# Public holidays (Regulation on Holidays of Government Offices + substitute
# holidays; lunar dates checked against computed new moons in KST).
# ---------------------------------------------------------------------------
HOLIDAYS = [
    ("2025-01-01", "New Year's Day"),
    ("2025-01-27", "Temporary holiday (designated)"),
    ("2025-01-28", "Seollal holiday"),
    ("2025-01-29", "Seollal"),
    ("2025-01-30", "Seollal holiday"),
    ("2025-03-01", "Independence Movement Day"),
    ("2025-03-03", "Substitute holiday (Independence Movement Day)"),
    ("2025-05-05", "Children's Day / Buddha's Birthday"),
    ("2025-05-06", "Substitute holiday (Children's Day / Buddha's Birthday)"),
    ("2025-06-03", "Presidential election day"),
    ("2025-06-06", "Memorial Day"),
    ("2025-08-15", "Liberation Day"),
    ("2025-10-03", "National Foundation Day"),
    ("2025-10-05", "Chuseok holiday"),
    ("2025-10-06", "Chuseok"),
    ("2025-10-07", "Chuseok holiday"),
    ("2025-10-08", "Substitute holiday (Chuseok)"),
    ("2025-10-09", "Hangeul Day"),
    ("2025-12-25", "Christmas Day"),
    ("2026-01-01", "New Year's Day"),
    ("2026-02-16", "Seollal holiday"),
    ("2026-02-17", "Seollal"),
    ("2026-02-18", "Seollal holiday"),
    ("2026-03-01", "Independence Movement Day"),
    ("2026-03-02", "Substitute holiday (Independence Movement Day)"),
    ("2026-05-05", "Children's Day"),
    ("2026-05-24", "Buddha's Birthday"),
    ("2026-05-25", "Substitute holiday (Buddha's Birthday)"),
    ("2026-06-03", "Local election day"),
    ("2026-06-06", "Memorial Day"),
    ("2026-08-15", "Liberation Day"),
    ("2026-08-17", "Substitute holiday (Liberation Day)"),
    ("2026-09-24", "Chuseok holiday"),
    ("2026-09-25", "Chuseok"),
    ("2026-09-26", "Chuseok holiday"),
    ("2026-10-03", "National Foundation Day"),
    ("2026-10-05", "Substitute holiday (National Foundation Day)"),
    ("2026-10-09", "Hangeul Day"),
    ("2026-12-25", "Christmas Day"),
    ("2027-01-01", "New Year's Day"),
    ("2027-02-06", "Seollal holiday"),
    ("2027-02-07", "Seollal"),
    ("2027-02-08", "Seollal holiday"),
    ("2027-02-09", "Substitute holiday (Seollal)"),
    ("2027-03-01", "Independence Movement Day"),
    ("2027-05-05", "Children's Day"),
    ("2027-05-13", "Buddha's Birthday"),
    ("2027-06-06", "Memorial Day"),
    ("2027-08-15", "Liberation Day"),
    ("2027-08-16", "Substitute holiday (Liberation Day)"),
    ("2027-09-14", "Chuseok holiday"),
    ("2027-09-15", "Chuseok"),
    ("2027-09-16", "Chuseok holiday"),
    ("2027-10-03", "National Foundation Day"),
    ("2027-10-04", "Substitute holiday (National Foundation Day)"),
    ("2027-10-09", "Hangeul Day"),
    ("2027-10-11", "Substitute holiday (Hangeul Day)"),
    ("2027-12-25", "Christmas Day"),
    ("2027-12-27", "Substitute holiday (Christmas Day)"),
]


def write_csv(rel: str, header: list[str], rows: list[list]) -> None:
    path = os.path.join(DATA, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writerow(header)
        w.writerows(rows)


def fmt_coord(x: float) -> str:
    return f"{x:.4f}"


def main() -> None:
    nodes = build_nodes()
    edges, factors = build_edges(nodes)

    write_csv("network/nodes.csv", ["id", "name", "lat", "lon", "kind", "population"],
              [[n["id"], n["name"], fmt_coord(n["lat"]), fmt_coord(n["lon"]), n["kind"], n["population"]]
               for n in nodes])
    write_csv("network/edges.csv",
              ["from", "to", "road", "class", "length_m", "speed_kmh", "lanes", "geometry"],
              [[a, b, road, cls, length, speed, lanes, ""] for a, b, road, cls, length, speed, lanes in edges])
    write_csv("network/roads.csv", ["road", "number", "published_length_km", "source"],
              [[road, num, f"{km:g}", src] for road, num, km, src, *_ in EXPRESSWAYS])

    classes = ["expressway", "urban_expressway", "arterial", "connector"]
    prof_rows = []
    for day in ["weekday", "weekend", "holiday"]:
        for cls in classes:
            values = PROFILES[(day, cls)]
            assert len(values) == 24 and all(0 < v <= 1 for v in values)
            prof_rows += [[day, cls, h, f"{v:.2f}"] for h, v in enumerate(values)]
    write_csv("traffic/profiles.csv", ["day_type", "class", "hour", "factor"], prof_rows)

    acc_rows = []
    for cls in classes:
        rate = ACCIDENTS_PER_KM_YEAR[cls] / 2 / HOURS_PER_YEAR
        share, lanes_max, dur, cap = ACCIDENT_PARAMS[cls]
        acc_rows.append([cls, f"{rate:.4e}", f"{share:g}", lanes_max, dur, f"{cap:g}"])
    write_csv("traffic/accidents.csv",
              ["class", "rate_per_km_h", "closure_share", "lanes_lost_max", "mean_duration_min",
               "capacity_factor_per_lane_lost"], acc_rows)

    write_csv("calendar/holidays.csv", ["date", "name"], [list(h) for h in HOLIDAYS])

    print(f"nodes: {len(nodes)}  edges: {len(edges)}")
    for road, (factor, hav) in factors.items():
        print(f"  {road:16s} haversine {hav / 1000:7.1f} km  factor {factor:.4f}")


if __name__ == "__main__":
    main()
