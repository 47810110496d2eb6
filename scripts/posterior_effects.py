#!/usr/bin/env python3
"""Headline effects of a `blockade run --posterior DIR` folder, with two intervals.

Usage: scripts/posterior_effects.py RUN_DIR CALIBRATION_DIR [REPLICATES]

For each variant (segment all, the shares at the last step and the peak unserved share): the
posterior mean of the paired difference from the baseline; its 90% interval over parameters and
simulation noise together (a mixture, over the weighted posterior points, of normals with each
point's paired mean and standard error, the latter from its Student-t 95% interval); the 90%
interval over parameters only (weighted quantiles of the points' mean differences); and the
simulation-only 95% half-width of one point's paired interval (weighted mean over the points).
Standard library only; the mixture is sampled 100 000 times from a fixed seed.
"""
import csv, sys, random, math
run, cal = sys.argv[1], sys.argv[2]
weights = [float(r['weight']) for r in csv.DictReader(open(f'{cal}/posterior.csv'))]
T975 = {3: 3.182446, 4: 2.776445, 9: 2.262157, 13: 2.160369}
R = int(sys.argv[3]) if len(sys.argv) > 3 else 4
rows = [r for r in csv.DictReader(open(f'{run}/metrics.csv')) if r['segment'] == 'all' and r['variant'] != 'baseline']
def wq(pairs, q):
    pairs = sorted(pairs); tot = sum(w for _, w in pairs); c = 0
    for v, w in pairs:
        c += w
        if c >= q * tot: return v
    return pairs[-1][0]
out = []
for metric, state in [('foreign_share', ''), ('domestic_share', ''), ('peak_unserved', 'unserved')]:
    sel = [r for r in rows if r['metric'] == metric and r['state'] == state]
    for variant in sorted(set(r['variant'] for r in sel), key=lambda v: [r['variant'] for r in sel].index(v)):
        pts = [r for r in sel if r['variant'] == variant]
        assert len(pts) == len(weights), (len(pts), len(weights))
        d = [float(r['diff_mean']) for r in pts]
        se = [(float(r['diff_ci95_high']) - float(r['diff_ci95_low'])) / (2 * T975[R - 1]) for r in pts]
        mean = sum(w * x for w, x in zip(weights, d))
        rng = random.Random(15); draws = []
        for _ in range(100000):
            u = rng.random(); c = 0; i = 0
            while i < len(weights) - 1 and c + weights[i] < u:
                c += weights[i]; i += 1
            draws.append(rng.gauss(d[i], se[i]))
        draws.sort()
        both = (draws[int(0.05 * len(draws))], draws[int(0.95 * len(draws))])
        params = (wq(list(zip(d, weights)), 0.05), wq(list(zip(d, weights)), 0.95))
        half = sum(w * s * T975[R - 1] for w, s in zip(weights, se))
        out.append((metric, variant, mean, both, params, half))
for metric, variant, mean, both, params, half in out:
    print(f"{metric:15} {variant:24} {100*mean:+6.2f} pts  params+sim 90% [{100*both[0]:+.2f}, {100*both[1]:+.2f}]  params 90% [{100*params[0]:+.2f}, {100*params[1]:+.2f}]  sim-only 95% +-{100*half:.2f}")
