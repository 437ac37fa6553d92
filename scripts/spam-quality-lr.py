#!/usr/bin/env python3
"""Judges scripts/spam-quality-lr.sh's score dumps across the splits (bench/README.md, issue 18,
"2026-12-05: a discriminative model"). Usage: spam-quality-lr.py DIR VARIANT[,VARIANT...]

A variant is a file suffix the driver wrote: 'bayes' (today's classifier, probabilities), an LR
variant (log-odds), or 'bayes+X' / 'bayes+W*X': Bayes' log-odds (p clipped to 1e-6) averaged with
X's, X weighted W (0.5). For each: the two operating points per split and their means (spam caught
at ham misfiled <= 0.5 %, ham misfiled at spam caught >= 95 %), how many splits admit any line
meeting both targets, the one line meeting both on most splits (chosen on all of them; the middle of such lines) with each
split's spam/ham at it ('*' = both met), and a line fitted on the first five splits (of the lines meeting both on most, the middle one) (e2e, .NET 18,
1, 2, 3) counted on the other eight.
"""
import glob
import math
import os
import sys

directory, variants = sys.argv[1], sys.argv[2].split(",")
splits = sorted({os.path.basename(f).split(".")[0] for f in glob.glob(directory + "/*.bayes")})
first_five = ["e2e", "n18", "n01", "n02", "n03"]


def logit(p):
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def load(split, name):
    spam, ham = [], []
    with open(f"{directory}/{split}.{name}") as f:
        for line in f:
            kind, x = line.split()
            (spam if kind == "spam" else ham).append(float(x))
    return spam, ham


def scores(split, variant):
    if variant == "bayes":
        spam, ham = load(split, "bayes")
        return [logit(p) for p in spam], [logit(p) for p in ham]
    if variant.startswith("bayes+"):
        name, w = variant[6:], 0.5
        if "*" in name.split("@")[0]:
            w, name = float(name.split("*", 1)[0]), name.split("*", 1)[1]
        bs, bh = load(split, "bayes")
        s, h = load(split, name)
        return [(1 - w) * logit(b) + w * x for b, x in zip(bs, s)], [(1 - w) * logit(b) + w * x for b, x in zip(bh, h)]
    return load(split, variant)


def met(spam, ham, t):
    return sum(x >= t for x in spam) >= math.ceil(0.95 * len(spam)) and sum(x >= t for x in ham) <= int(0.005 * len(ham))


def best_line(data, names):
    candidates = sorted({x for n in names for x in data[n][0] + data[n][1]})
    candidates = candidates[:: max(1, len(candidates) // 4000)]
    counted = [(sum(met(*data[n], t) for n in names), t) for t in candidates]
    most = max(c for c, _ in counted)
    # Of the lines meeting both on most splits, the middle one: the lowest or highest would sit on an edge.
    lines = [t for c, t in counted if c == most]
    return most, lines[len(lines) // 2]


for variant in variants:
    data = {s: scores(s, variant) for s in splits}
    ops = {}
    for s, (spam, ham) in data.items():
        line = sorted(ham, reverse=True)[int(len(ham) * 0.005)]
        need = sorted(spam, reverse=True)[math.ceil(len(spam) * 0.95) - 1]
        ops[s] = (sum(x > line for x in spam) / len(spam), sum(x >= need for x in ham) / len(ham), line < need)
    count, t = best_line(data, splits)
    print(f"== {variant}: operating points, mean {100 * sum(o[0] for o in ops.values()) / len(ops):.2f} % / {100 * sum(o[1] for o in ops.values()) / len(ops):.3f} %; "
          f"splits admitting a line {sum(o[2] for o in ops.values())}/{len(ops)}; one line (log-odds {t:.3f}, p {1 / (1 + math.exp(-t)):.4f}) meets both on {count}/{len(ops)}")
    print("   at it: " + " ".join(f"{s}:{sum(x >= t for x in sp)}/{sum(x >= t for x in hm)}{'*' if met(sp, hm, t) else ''}({100 * ops[s][0]:.1f}/{100 * ops[s][1]:.2f})"
                                 for s, (sp, hm) in data.items()))
    if all(s in data for s in first_five):
        count5, t5 = best_line(data, first_five)
        rest = [s for s in splits if s not in first_five]
        held = [s for s in rest if met(*data[s], t5)]
        print(f"   line fitted on {','.join(first_five)} (p {1 / (1 + math.exp(-t5)):.4f}) meets {count5}/5 there, {len(held)}/{len(rest)} on the others {held}")
