#!/usr/bin/env python3
"""Sanity checks for data/network/*.csv (standard library only).

python3 data/tools/check_network.py  -> prints the checks and exits non-zero on failure.
"""
from __future__ import annotations

import csv
import heapq
import os
import sys
from collections import defaultdict

DATA = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def load():
    with open(os.path.join(DATA, "network/nodes.csv"), encoding="utf-8") as f:
        nodes = list(csv.DictReader(f))
    with open(os.path.join(DATA, "network/edges.csv"), encoding="utf-8") as f:
        edges = list(csv.DictReader(f))
    with open(os.path.join(DATA, "network/roads.csv"), encoding="utf-8") as f:
        roads = list(csv.DictReader(f))
    return nodes, edges, roads


def dijkstra(adj, src, dst, weight, banned=frozenset()):
    dist = {src: 0.0}
    prev = {}
    pq = [(0.0, src)]
    while pq:
        d, u = heapq.heappop(pq)
        if u == dst:
            break
        if d > dist[u]:
            continue
        for v, e in adj[u]:
            if e["_i"] in banned:
                continue
            nd = d + weight(e)
            if nd < dist.get(v, float("inf")):
                dist[v], prev[v] = nd, (u, e)
                heapq.heappush(pq, (nd, v))
    path, edges_used, u = [dst], [], dst
    while u != src:
        u, e = prev[u]
        path.append(u)
        edges_used.append(e)
    return path[::-1], edges_used[::-1]


def main() -> int:
    nodes, edges, roads = load()
    ok = True

    def check(cond, msg):
        nonlocal ok
        print(("PASS " if cond else "FAIL ") + msg)
        ok &= bool(cond)

    names = [n["name"] for n in nodes]
    byname = {n["name"]: int(n["id"]) for n in nodes}
    check(len(names) == len(set(names)), "node names unique")
    check([int(n["id"]) for n in nodes] == list(range(len(nodes))), "node ids 0..N-1 in order")
    adj = defaultdict(list)
    for i, e in enumerate(edges):
        e["_i"] = i
        a, b = int(e["from"]), int(e["to"])
        adj[a].append((b, e))
        adj[b].append((a, e))
    # connectivity
    seen, stack = {0}, [0]
    while stack:
        u = stack.pop()
        for v, _ in adj[u]:
            if v not in seen:
                seen.add(v)
                stack.append(v)
    check(len(seen) == len(nodes), f"graph connected ({len(seen)}/{len(nodes)} nodes reached)")
    # road chains contiguous + lengths
    by_road = defaultdict(list)
    for e in edges:
        by_road[e["road"]].append(e)
    for r in roads:
        segs = by_road[r["road"]]
        contiguous = all(segs[i]["to"] == segs[i + 1]["from"] for i in range(len(segs) - 1))
        total = sum(int(e["length_m"]) for e in segs)
        pub = round(float(r["published_length_km"]) * 1000)
        check(segs and contiguous, f"{r['road']}: chain of {len(segs)} contiguous segments")
        check(total == pub, f"{r['road']}: {total} m == published {pub} m")
    km = lambda e: int(e["length_m"]) / 1000
    hours = lambda e: int(e["length_m"]) / 1000 / int(e["speed_kmh"])
    s, t = byname["Seoul"], byname["Busan"]

    def show(label, path, used):
        d = sum(km(e) for e in used)
        h = sum(hours(e) for e in used)
        print(f"  {label}: {d:.1f} km, {h * 60:.0f} min free-flow")
        print("    " + " > ".join(names[i] for i in path))
        print("    roads: " + " | ".join(dict.fromkeys(e["road"] for e in used)))
        return d, used

    d1, u1 = show("shortest", *dijkstra(adj, s, t, km))
    check(390 <= d1 <= 440, "Seoul->Busan shortest in 390-440 km")
    d2, u2 = show("fastest", *dijkstra(adj, s, t, hours))
    check(390 <= d2 <= 440, "Seoul->Busan fastest in 390-440 km")
    dj, gc = byname["Daejeon"], byname["Gimcheon"]
    gb = [e for e in by_road["Gyeongbu"]]
    ids = [int(e["from"]) for e in gb] + [int(gb[-1]["to"])]
    i, j = ids.index(dj), ids.index(gc)
    closed = frozenset(e["_i"] for e in gb[min(i, j):max(i, j)])
    check(len(closed) >= 1, f"Gyeongbu Daejeon-Gimcheon chain exists ({len(closed)} segment(s))")
    for label, w in (("shortest with closure", km), ("fastest with closure", hours)):
        d3, u3 = show(label, *dijkstra(adj, s, t, w, closed))
        used_roads = {e["road"] for e in u3}
        check(400 <= d3 <= 500 and used_roads & {"Cheongju-Sangju", "Jungbu Naeryuk"},
              f"{label}: 400-500 km via Cheongju-Sangju/Jungbu Naeryuk")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
