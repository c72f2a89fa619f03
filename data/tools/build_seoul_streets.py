#!/usr/bin/env python3
"""Build the street-level Seoul network (Python 3.11, standard library only).

    python3 data/tools/build_seoul_streets.py --tesla TESLA_CHECKOUT --speeds SPEED_CSV [--out DIR]

Inputs (data/README.md, "data/networks/seoul-streets", says where they come from):
  TESLA_CHECKOUT/data/Seoul_nodes.csv, Seoul_links.csv: the MOLIT standard node-link network
      cut to Seoul (github.com/barkjisook/Tesla at 00ee5ef538e4);
  SPEED_CSV: seoul_road_speed_20181023.csv, Seoul TOPIS hourly link speeds of Tuesday
      2018-10-23, CP949 (github.com/juhyeonkim95/TaxiSimulatorOnGraph at 2d94c0d9d73e,
      data_example/);
  data/network/nodes.csv, edges.csv, data/traffic/profiles.csv: the bundled intercity network
      and its profiles (this repository).
Each input's MD5 is checked, so the output is reproducible byte for byte. It writes
  DIR/nodes.csv     id,name,lat,lon,kind,population,district
  DIR/edges.csv     from,to,road,class,length_m,speed_kmh,lanes,source   (directed)
  DIR/profiles.csv  day_type,class,hour,factor   (the street classes' hourly factors)
and prints what it removed and why. DIR defaults to data/networks/seoul-streets.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import math
import os
import sys
from collections import Counter, defaultdict

DATA = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
EARTH_RADIUS_M = 6_371_008.8
URBAN_DETOUR_FACTOR = 1.3  # joins without a surveyed length: haversine x 1.3 (as build_network.py)
# A link is at least as long as the straight line between its nodes (routing's lower bounds
# rely on it): a shorter surveyed length is raised to it, and a link under half of it means a
# misplaced node, so the link is dropped.
MIN_LENGTH_RATIO = 0.5

MD5 = {
    "Seoul_nodes.csv": "b3a89dc7f6d9c36f51f7d99ade224761",
    "Seoul_links.csv": "c00c1dda717b7c6002febe52ca7b33c5",
    "seoul_road_speed_20181023.csv": "4dd1173fa43db6e5e9a7c9f2d7e8697b",
}

# Seoul's 25 autonomous districts by their administrative (DEPT_CODE) code, named as in
# data/network/nodes.csv. Gangdong-gu (11740) has no links in the source.
GU_CODES = {
    "11110": "Jongno-gu", "11140": "Jung-gu", "11170": "Yongsan-gu", "11200": "Seongdong-gu",
    "11215": "Gwangjin-gu", "11230": "Dongdaemun-gu", "11260": "Jungnang-gu",
    "11290": "Seongbuk-gu", "11305": "Gangbuk-gu", "11320": "Dobong-gu", "11350": "Nowon-gu",
    "11380": "Eunpyeong-gu", "11410": "Seodaemun-gu", "11440": "Mapo-gu", "11470": "Yangcheon-gu",
    "11500": "Gangseo-gu", "11530": "Guro-gu", "11545": "Geumcheon-gu", "11560": "Yeongdeungpo-gu",
    "11590": "Dongjak-gu", "11620": "Gwanak-gu", "11650": "Seocho-gu", "11680": "Gangnam-gu",
    "11710": "Songpa-gu", "11740": "Gangdong-gu",
}
MISSING_DISTRICT = "Gangdong-gu"
MISSING_PREFIX = "1240"  # node ids of Gangdong-gu, named by links but absent from the nodes file

# Road names users type (incidents, `petfleet route` output); the rest stay in Korean.
ROAD_NAMES = {
    "경부고속도로": "Gyeongbu", "서해안고속도로": "Seohaean", "경인고속도로": "Gyeongin",
    "서울외곽순환고속도로": "Seoul Ring Expressway", "용인서울고속도로": "Yongin-Seoul Expressway",
    "구리포천고속도로": "Guri-Pocheon Expressway", "인천국제공항고속도로": "Incheon Airport Expressway",
    "올림픽대로": "Olympic-daero", "강변북로": "Gangbyeon-buk-ro", "동부간선도로": "Dongbu Expressway",
    "내부순환로": "Naebu Expressway", "서부간선도로": "Seobu Expressway",
    "북부간선도로": "Bukbu Expressway", "강남순환도시고속화도로": "Gangnam Beltway",
    "분당수서로": "Bundang-Suseo Expressway",
    # Arterials, by the English names on their road signs.
    "강남대로": "Gangnam-daero", "테헤란로": "Teheran-ro", "남부순환로": "Nambusunhwan-ro",
    "한남대로": "Hannam-daero", "세종대로": "Sejong-daero", "종로": "Jong-ro", "을지로": "Eulji-ro",
    "반포대로": "Banpo-daero", "양재대로": "Yangjae-daero", "도산대로": "Dosan-daero",
    "영동대로": "Yeongdong-daero", "송파대로": "Songpa-daero", "천호대로": "Cheonho-daero",
    "올림픽로": "Olympic-ro", "헌릉로": "Heolleung-ro", "한강대로": "Hangang-daero",
}

# TOPIS functional classes of the speed file -> speed group.
TOPIS_GROUPS = {"도시고속도로": "urban_expressway", "주간선도로": "major_arterial",
                "보조간선도로": "minor_arterial", "기타도로": "local"}
GROUP_CLASS = {"urban_expressway": "urban_expressway", "major_arterial": "arterial",
               "minor_arterial": "arterial", "local": "arterial"}
# Fallback by MOLIT road rank where no matched link votes for a (rank, lanes) cell.
RANK_FALLBACK = {"101": "urban_expressway", "102": "urban_expressway", "103": "major_arterial",
                 "104": "major_arterial", "105": "minor_arterial", "106": "minor_arterial",
                 "107": "minor_arterial"}

# Joins between the street network and the intercity network. Street node ids are MOLIT ids.
GYEONGBU_NORTH_END = "1210050100"   # where the Gyeongbu meets Gangnam-daero (Hannam IC)
GYEONGBU_SOUTH_EXIT = "1210000302"  # last Gyeongbu node in Seoul, towards Seongnam/Suwon
SEOUL_CITY_HALL = (37.5663, 126.9779)  # Seoul City Hall (Taepyeong-ro), general reference maps


def md5(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def haversine_m(a, b) -> float:
    p1, l1, p2, l2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def check_inputs(tesla: str, speeds: str) -> tuple[str, str, str]:
    nodes = os.path.join(tesla, "data", "Seoul_nodes.csv")
    links = os.path.join(tesla, "data", "Seoul_links.csv")
    for path, name in ((nodes, "Seoul_nodes.csv"), (links, "Seoul_links.csv"),
                       (speeds, "seoul_road_speed_20181023.csv")):
        if not os.path.exists(path):
            sys.exit(f"error: {path}: missing (expected the file named in this script's header)")
        got = md5(path)
        if got != MD5[name]:
            sys.exit(f"error: {path}: MD5 {got}, expected {MD5[name]} (a different version)")
    return nodes, links, speeds


def read_tesla(nodes_path: str, links_path: str):
    nodes = {}
    with open(nodes_path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            nodes[r["Id"]] = (float(r["latitude"]), float(r["longitude"]))
    with open(links_path, newline="", encoding="utf-8") as f:
        links = list(csv.DictReader(f))
    return nodes, links


def read_speeds(path: str) -> dict[str, tuple[str, list[float | None]]]:
    """link id -> (TOPIS class, 24 hourly speeds; column "01시" is hour 0, 00:00-01:00)."""
    out = {}
    with open(path, newline="", encoding="cp949") as f:
        rows = csv.reader(f)
        header = next(rows)
        first = header.index("01시")
        for r in rows:
            speeds = [float(x) if x.strip() else None for x in r[first:first + 24]]
            out[r[3]] = (r[9], speeds)
    return out


def group_table(links, speeds):
    """(rank, min(lanes, 4)) -> speed group, by majority vote of the links whose id the speed
    file also has (ties: the group named first in TOPIS_GROUPS)."""
    votes = defaultdict(Counter)
    for l in links:
        if l["LINK_ID"] in speeds:
            cell = (l["ROAD_RANK"], min(int(float(l["LANES"])), 4))
            votes[cell][TOPIS_GROUPS[speeds[l["LINK_ID"]][0]]] += 1
    order = list(TOPIS_GROUPS.values())
    table = {}
    for cell, c in sorted(votes.items()):
        table[cell] = max(order, key=lambda g: (c[g], -order.index(g)))
    return table, votes


def group_speeds(speeds):
    """Per group: the mean speed of its links in each hour (empty cells skipped)."""
    sums = defaultdict(lambda: [0.0] * 24)
    counts = defaultdict(lambda: [0] * 24)
    for cls, hours in speeds.values():
        g = TOPIS_GROUPS[cls]
        for h, v in enumerate(hours):
            if v is not None:
                sums[g][h] += v
                counts[g][h] += 1
    return {g: [sums[g][h] / counts[g][h] for h in range(24)] for g in sums}


def tarjan_largest_scc(n: int, adj: list[list[int]]) -> list[int]:
    """Nodes of the largest strongly connected component (iterative Tarjan)."""
    index = [-1] * n
    low = [0] * n
    on_stack = [False] * n
    stack, best, counter = [], [], 0
    for root in range(n):
        if index[root] != -1:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack[v] = True
            if i < len(adj[v]):
                work.append((v, i + 1))
                w = adj[v][i]
                if index[w] == -1:
                    work.append((w, 0))
                elif on_stack[w]:
                    low[v] = min(low[v], index[w])
                continue
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > len(best):
                    best = comp
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return sorted(best)


def read_intercity():
    with open(os.path.join(DATA, "network", "nodes.csv"), newline="") as f:
        nodes = list(csv.DictReader(f))
    with open(os.path.join(DATA, "network", "edges.csv"), newline="") as f:
        edges = list(csv.DictReader(f))
    return nodes, edges


def read_profiles():
    out = {}
    with open(os.path.join(DATA, "traffic", "profiles.csv"), newline="") as f:
        for r in csv.DictReader(f):
            out[(r["day_type"], r["class"], int(r["hour"]))] = float(r["factor"])
    return out


def dijkstra_len(links_by_from, src: str, dst: str, road: str) -> float:
    """Shortest length from src to dst along links of one road (metres)."""
    import heapq
    dist = {src: 0.0}
    heap = [(0.0, src)]
    while heap:
        d, v = heapq.heappop(heap)
        if v == dst:
            return d
        if d > dist.get(v, math.inf):
            continue
        for l in links_by_from.get(v, []):
            if l["ROAD_NAME"] != road:
                continue
            nd = d + float(l["SHAPE_STLe"])
            if nd < dist.get(l["Target"], math.inf):
                dist[l["Target"]] = nd
                heapq.heappush(heap, (nd, l["Target"]))
    sys.exit(f"error: no {road} path from {src} to {dst} in the source")


class Net:
    """The network being assembled: nodes by key, directed edges as dicts."""

    def __init__(self):
        self.pos: dict[str, tuple[float, float]] = {}
        self.edges: list[dict] = []

    def edge(self, a, b, road, cls, length, speed, lanes, source):
        self.edges.append({"from": a, "to": b, "road": road, "class": cls,
                           "length_m": round(length, 1), "speed_kmh": round(speed, 1),
                           "lanes": max(1, lanes), "source": source})


def link_attrs(l, group_of, free_flow):
    rank = l["ROAD_RANK"]
    lanes = max(1, int(float(l["LANES"])))
    group = group_of.get((rank, min(lanes, 4)), RANK_FALLBACK[rank])
    legal = float(l["MAX_SPD"]) if float(l["MAX_SPD"]) > 0 else math.inf
    return GROUP_CLASS[group], min(legal, free_flow[group]), lanes, group


def road_name(l) -> str:
    name = l["ROAD_NAME"].strip()
    return ROAD_NAMES.get(name, name if name not in ("", "-") else "unnamed")


def add_streets(net, nodes, links, group_of, free_flow, report):
    """Street links with both ends present, one per (from, to) (the shortest)."""
    best = {}
    for l in links:
        s, t = l["Source"], l["Target"]
        if s not in nodes or t not in nodes:
            continue
        key = (s, t)
        cand = (float(l["SHAPE_STLe"]), l["LINK_ID"])
        if key not in best or cand < best[key][0]:
            best[key] = (cand, l)
    report["parallel links dropped (a shorter one joins the same nodes)"] = (
        sum(1 for l in links if l["Source"] in nodes and l["Target"] in nodes) - len(best))
    km = Counter()
    misplaced, stretched = 0, 0
    for (s, t), (_, l) in sorted(best.items()):
        cls, speed, lanes, group = link_attrs(l, group_of, free_flow)
        length, crow = float(l["SHAPE_STLe"]), haversine_m(nodes[s], nodes[t])
        if length < MIN_LENGTH_RATIO * crow:
            misplaced += 1
            continue
        if length < crow:
            stretched += 1
            length = crow
        net.pos.setdefault("T" + s, nodes[s])
        net.pos.setdefault("T" + t, nodes[t])
        net.edge("T" + s, "T" + t, road_name(l), cls, length, speed, lanes, "link " + l["LINK_ID"])
        km[group] += length / 1000
    report[f"links under {MIN_LENGTH_RATIO} of the straight line between their nodes "
           "(a misplaced node), dropped"] = misplaced
    report["links shorter than the straight line, lengthened to it"] = stretched
    return km


def add_intercity(net, inter_nodes, inter_edges, seoul_key, hannam_key):
    """The intercity network without Seoul's district layer; Seoul and Hannam IC become
    street nodes; Gangdong-gu (missing from the source) stays a district node."""
    keep = {}
    for r in inter_nodes:
        if r["kind"] == "district" and r["name"] != MISSING_DISTRICT:
            continue
        if r["name"] in ("Seoul", "Hannam IC"):
            continue
        keep[r["id"]] = "I" + r["id"]
        net.pos["I" + r["id"]] = (float(r["lat"]), float(r["lon"]))
    for e in inter_edges:
        if e["from"] in keep and e["to"] in keep:
            for a, b in ((e["from"], e["to"]), (e["to"], e["from"])):
                net.edge(keep[a], keep[b], e["road"], e["class"], float(e["length_m"]),
                         float(e["speed_kmh"]), int(e["lanes"]), "intercity " + e["road"])
    return keep


def add_joins(net, nodes, links, group_of, free_flow, inter, keep, report):
    """The street network joined to the expressways at their real interchanges."""
    by_name = {r["name"]: r for r in inter[0]}
    by_id = {r["id"]: r for r in inter[0]}
    by_from = defaultdict(list)
    for l in links:
        by_from[l["Source"]].append(l)
    # Gyeongbu: the intercity Hannam IC - Suwon segment starts at Seoul's southern edge.
    row = next(e for e in inter[1] if {by_id[e["from"]]["name"], by_id[e["to"]]["name"]}
               == {"Hannam IC", "Suwon"})
    inside = dijkstra_len(by_from, GYEONGBU_NORTH_END, GYEONGBU_SOUTH_EXIT, "경부고속도로")
    suwon = keep[by_name["Suwon"]["id"]]
    crow = haversine_m(nodes[GYEONGBU_SOUTH_EXIT], net.pos[suwon])
    rest = max(float(row["length_m"]) - inside, crow)
    report["Gyeongbu inside Seoul (Hannam IC - city edge), m"] = round(inside, 1)
    report["Gyeongbu from the city edge to Suwon, m (at least the straight line)"] = round(rest, 1)
    for a, b in (("T" + GYEONGBU_SOUTH_EXIT, suwon), (suwon, "T" + GYEONGBU_SOUTH_EXIT)):
        net.edge(a, b, "Gyeongbu", "expressway", rest, float(row["speed_kmh"]), int(row["lanes"]),
                 "join Gyeongbu: intercity Hannam IC-Suwon less its length inside Seoul")
    gangdong = keep[by_name[MISSING_DISTRICT]["id"]]
    targets = {  # a boundary link's missing end -> the intercity node it reaches
        "2130000600": (keep[by_name["Geumcheon IC"]["id"]], "Seohaean at Geumcheon IC", True),
        "2420029500": (keep[by_name["Incheon"]["id"]], "Gyeongin towards Incheon", False),
        "2270000400": (keep[by_name["Hanam"]["id"]], "Seoul Ring at Songpa IC towards Hanam "
                       "(Jungbu, Yeongdong)", False),
    }
    rewired = Counter()
    for l in links:
        s, t = l["Source"], l["Target"]
        if (s in nodes) == (t in nodes):
            continue
        inner, outer = (s, t) if s in nodes else (t, s)
        if outer in targets:
            to, why, surveyed = targets[outer]
        elif outer.startswith(MISSING_PREFIX):
            to, why, surveyed = gangdong, "Gangdong-gu (absent from the source)", False
        else:
            continue
        _, speed, lanes, _ = link_attrs(l, group_of, free_flow)
        crow = haversine_m(nodes[inner], net.pos[to])
        length = max(float(l["SHAPE_STLe"]), crow) if surveyed else crow * URBAN_DETOUR_FACTOR
        a, b = ("T" + inner, to) if s in nodes else (to, "T" + inner)
        net.pos.setdefault("T" + inner, nodes[inner])
        net.edge(a, b, road_name(l), "connector", length, speed, lanes,
                 f"join {why}: link {l['LINK_ID']}")
        rewired[why] += 1
    for why, n in sorted(rewired.items()):
        report[f"boundary links joined: {why}"] = n


def dedupe(edges):
    """One edge per (from, to): the shortest (then the first)."""
    best = {}
    for i, e in enumerate(edges):
        k = (e["from"], e["to"])
        if k not in best or (e["length_m"], i) < (edges[best[k]]["length_m"], best[k]):
            best[k] = i
    return [edges[i] for i in sorted(best.values())]


def assign_districts(street_keys, links, centroids, pos):
    """A street node's district: the district code (DEPT_CODE) most of its links carry
    (ties: the lower code); with no district code, the district with the nearest centroid."""
    votes = defaultdict(Counter)
    for l in links:
        name = GU_CODES.get(l["DEPT_CODE"])
        if name:
            votes["T" + l["Source"]][l["DEPT_CODE"]] += 1
            votes["T" + l["Target"]][l["DEPT_CODE"]] += 1
    out, by_rule = {}, Counter()
    for k in street_keys:
        c = votes.get(k)
        if c:
            code = min(c, key=lambda x: (-c[x], x))
            out[k] = GU_CODES[code]
            by_rule["district code of its links"] += 1
        else:
            out[k] = min((haversine_m(pos[k], xy), name) for name, xy in centroids.items()
                         if name != MISSING_DISTRICT)[1]
            by_rule["nearest district centroid"] += 1
    return out, by_rule


def round_to_total(weights: list[int], total: int) -> list[int]:
    """Largest-remainder split of `total` in proportion to `weights` (ties: first)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def name_nodes(keep_keys, district_of, inter_nodes, pos):
    """Names and kinds: intercity nodes keep theirs; the street node nearest Seoul City Hall
    is "Seoul", the Gyeongbu's north end is "Hannam IC", the street node nearest each
    district's centroid (among the district's nodes) takes the district's name."""
    names = {}
    kinds = {}
    for r in inter_nodes:
        k = "I" + r["id"]
        if k in keep_keys:
            names[k], kinds[k] = r["name"], r["kind"]
    streets = sorted(k for k in keep_keys if k.startswith("T"))
    for k in streets:
        names[k], kinds[k] = k[1:], "street"
    seoul = min(streets, key=lambda k: (haversine_m(pos[k], SEOUL_CITY_HALL), k))
    names[seoul], kinds[seoul] = "Seoul", "city"
    hannam = "T" + GYEONGBU_NORTH_END
    names[hannam], kinds[hannam] = "Hannam IC", "junction"
    centroids = {r["name"]: (float(r["lat"]), float(r["lon"])) for r in inter_nodes
                 if r["kind"] == "district"}
    for d, xy in sorted(centroids.items()):
        members = [k for k in streets if district_of.get(k) == d and kinds[k] == "street"]
        if members:
            rep = min(members, key=lambda k: (haversine_m(pos[k], xy), k))
            names[rep], kinds[rep] = d, "district"
    return names, kinds


def populations(keep_keys, district_of, inter_nodes):
    """Each district's residents split evenly over its street nodes (largest remainder)."""
    pop = {r["name"]: int(r["population"]) for r in inter_nodes if r["kind"] == "district"}
    out = {}
    for d, total in sorted(pop.items()):
        members = sorted(k for k in keep_keys if district_of.get(k) == d)
        for k, p in zip(members, round_to_total([1] * len(members), total)):
            out[k] = p
    for r in inter_nodes:
        if r["name"] == MISSING_DISTRICT and "I" + r["id"] in keep_keys:
            out["I" + r["id"]] = pop[MISSING_DISTRICT]
    return out


def street_profiles(speeds, km, bundled):
    """Hourly speed factors of the street classes. Weekday: the TOPIS hourly means of each
    group over its fastest hour; the arterial class weights its three groups by their street
    km. Weekend and holiday: the weekday factor times the bundled profile's ratio of that day
    to a weekday (the speed file has only a Tuesday), capped at 1."""
    gs = group_speeds(speeds)
    norm = {g: [v / max(s) for v in s] for g, s in gs.items()}
    art = ["major_arterial", "minor_arterial", "local"]
    total = sum(km[g] for g in art)
    weekday = {
        "urban_expressway": norm["urban_expressway"],
        "arterial": [sum(km[g] * norm[g][h] for g in art) / total for h in range(24)],
    }
    rows = []
    for day in ("weekday", "weekend", "holiday"):
        for cls in ("urban_expressway", "arterial"):
            for h in range(24):
                f = weekday[cls][h]
                if day != "weekday":
                    f = min(1.0, f * bundled[(day, cls, h)] / bundled[("weekday", cls, h)])
                rows.append([day, cls, h, f"{f:.3f}"])
    return rows, gs


def write_csv(path: str, header: list[str], rows: list[list]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def fmt(x: float) -> str:
    return f"{x:.6f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tesla", required=True, help="checkout of github.com/barkjisook/Tesla")
    ap.add_argument("--speeds", required=True, help="seoul_road_speed_20181023.csv")
    ap.add_argument("--out", default=os.path.join(DATA, "networks", "seoul-streets"))
    args = ap.parse_args()
    nodes_path, links_path, speeds_path = check_inputs(args.tesla, args.speeds)
    nodes, links = read_tesla(nodes_path, links_path)
    speeds = read_speeds(speeds_path)
    inter = read_intercity()
    report: dict[str, object] = {"source nodes": len(nodes), "source links": len(links)}
    group_of, _ = group_table(links, speeds)
    gs = group_speeds(speeds)
    free_flow = {g: round(max(s), 1) for g, s in gs.items()}
    net = Net()
    km = add_streets(net, nodes, links, group_of, free_flow, report)
    keep = add_intercity(net, inter[0], inter[1], "Seoul", "Hannam IC")
    add_joins(net, nodes, links, group_of, free_flow, inter, keep, report)
    report["links naming a missing node, dropped"] = sum(
        1 for l in links if (l["Source"] in nodes) != (l["Target"] in nodes)
        or (l["Source"] not in nodes and l["Target"] not in nodes)) - sum(
        v for k, v in report.items() if k.startswith("boundary links joined"))
    edges = dedupe(net.edges)
    keys = sorted(net.pos)
    ix = {k: i for i, k in enumerate(keys)}
    adj = [[] for _ in keys]
    for e in edges:
        adj[ix[e["from"]]].append(ix[e["to"]])
    core = {keys[i] for i in tarjan_largest_scc(len(keys), adj)}
    street_all = [k for k in keys if k.startswith("T")]
    report["street nodes outside the largest strongly connected part, removed"] = sum(
        1 for k in street_all if k not in core)
    report["edges touching them, removed"] = sum(
        1 for e in edges if e["from"] not in core or e["to"] not in core)
    edges = [e for e in edges if e["from"] in core and e["to"] in core]
    centroids = {r["name"]: (float(r["lat"]), float(r["lon"])) for r in inter[0]
                 if r["kind"] == "district"}
    district_of, by_rule = assign_districts([k for k in core if k.startswith("T")], links,
                                            centroids, net.pos)
    for k in core:
        if k.startswith("I") and any(r["name"] == MISSING_DISTRICT and "I" + r["id"] == k
                                     for r in inter[0]):
            district_of[k] = MISSING_DISTRICT
    for rule, n in sorted(by_rule.items()):
        report[f"street nodes placed in a district by {rule}"] = n
    names, kinds = name_nodes(core, district_of, inter[0], net.pos)
    pops = populations(core, district_of, inter[0])
    order = [k for k in (("I" + r["id"]) for r in inter[0]) if k in core]
    order += sorted((k for k in core if k.startswith("T")), key=lambda k: int(k[1:]))
    new_id = {k: i for i, k in enumerate(order)}
    os.makedirs(args.out, exist_ok=True)
    write_csv(os.path.join(args.out, "nodes.csv"),
              ["id", "name", "lat", "lon", "kind", "population", "district"],
              [[new_id[k], names[k], fmt(net.pos[k][0]), fmt(net.pos[k][1]), kinds[k],
                pops.get(k, ""), district_of.get(k, "")] for k in order])
    edges.sort(key=lambda e: (new_id[e["from"]], new_id[e["to"]]))
    write_csv(os.path.join(args.out, "edges.csv"),
              ["from", "to", "road", "class", "length_m", "speed_kmh", "lanes", "source"],
              [[new_id[e["from"]], new_id[e["to"]], e["road"], e["class"], e["length_m"],
                e["speed_kmh"], e["lanes"], e["source"]] for e in edges])
    rows, _ = street_profiles(speeds, km, read_profiles())
    write_csv(os.path.join(args.out, "profiles.csv"), ["day_type", "class", "hour", "factor"], rows)
    report["nodes written"] = len(order)
    report["edges written"] = len(edges)
    report["free-flow speed by group (fastest hourly mean), km/h"] = free_flow
    report["street km by group"] = {g: round(v, 1) for g, v in sorted(km.items())}
    report["speed group by (rank, lanes)"] = {f"{r}/{n}": g for (r, n), g in sorted(group_of.items())}
    for k, v in report.items():
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
