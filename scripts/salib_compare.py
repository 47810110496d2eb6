#!/usr/bin/env python3
"""Checks blockade's sensitivity estimators against SALib on the same design and outputs.

Usage: python3 scripts/salib_compare.py CASE.json...

Each CASE.json (tests/it/salib.rs writes them from blockade's own designs and estimators) holds
`method` ("sobol" or "morris"), `parameters` (k), `levels` (Morris), the design's points `x`
(unit hypercube, in blockade's order), the outputs `y`, and blockade's point estimates
`indices`. The script runs SALib's analyze.sobol (calc_second_order=False: the N(k + 2) layout
A, AB_1..AB_k, B) or analyze.morris on the same x and y and requires every point estimate to
agree to 1e-9 relative (1e-12 absolute near zero). Intervals are not compared: blockade's are
percentile bootstraps, SALib's normal approximations.

Exit status: 0 all agree, 1 a disagreement, 2 SALib or numpy cannot be imported (install
them with `python3 -m pip install -r scripts/salib-requirements.txt`) or a case is malformed.
"""

import json
import sys

RELATIVE = 1e-9
ABSOLUTE = 1e-12


def main(paths):
    try:
        import numpy as np
        from SALib.analyze import morris, sobol
    except ImportError as error:
        print(f"salib_compare: cannot import SALib or numpy ({error}); install them with "
              "python3 -m pip install -r scripts/salib-requirements.txt", file=sys.stderr)
        return 2
    if not paths:
        print("usage: salib_compare.py CASE.json...", file=sys.stderr)
        return 2
    failures = 0
    for path in paths:
        with open(path) as f:
            case = json.load(f)
        k = case["parameters"]
        x = np.array(case["x"], dtype=float)
        y = np.array(case["y"], dtype=float)
        problem = {"num_vars": k, "names": [f"u{j}" for j in range(k)], "bounds": [[0.0, 1.0]] * k}
        if case["method"] == "sobol":
            result = sobol.analyze(problem, y, calc_second_order=False, num_resamples=10, seed=1)
            salib = {"first": result["S1"], "total": result["ST"]}
        elif case["method"] == "morris":
            result = morris.analyze(problem, x, y, num_levels=case["levels"], num_resamples=10,
                                    seed=1)
            salib = {"mu": result["mu"], "mu_star": result["mu_star"], "sigma": result["sigma"]}
        else:
            print(f"{path}: unknown method {case['method']!r}", file=sys.stderr)
            return 2
        compared = 0
        for name, theirs in salib.items():
            ours = case["indices"][name]
            for j in range(k):
                a, b = float(ours[j]), float(theirs[j])
                compared += 1
                if abs(a - b) > max(RELATIVE * max(abs(a), abs(b)), ABSOLUTE):
                    failures += 1
                    print(f"{path}: {name}[{j}]: blockade {a!r}, SALib {b!r}", file=sys.stderr)
        print(f"{path}: {case['method']}, {k} parameters, {len(y)} outputs: "
              f"{compared} point estimates compared with SALib")
    if failures:
        print(f"{failures} estimates disagree with SALib", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
