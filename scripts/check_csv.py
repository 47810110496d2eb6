#!/usr/bin/env python3
"""Checks that every CSV file of output folders loads cleanly in pandas and in polars with no
option beyond the file name (issue 3), with the columns and types docs/FORMAT.md gives.

    python3 scripts/check_csv.py OUTPUT_DIR [OUTPUT_DIR ...]

For each file: both libraries read it; they see the header's columns and the same number of
rows; every numeric column comes out numeric in both (a column with no value at all, such as
metrics.csv's differences when no variant ran, may be anything); the text columns hold no
missing values; `date` holds ISO dates. Swept folders too: the `point` column of every file,
points.csv (whose parameter columns may hold text, e.g. a swept network.kind) and
robustness.csv. Prints one line per file and a closing "N passed, N failed" line; exits 1 if
any file fails.
"""

import sys
from pathlib import Path

import pandas as pd
import polars as pl

# Columns that hold text; every other column must be numeric. Empty text is allowed only in
# the state and date columns of metrics.csv and robustness.csv (metrics that are not about one
# state or step). points.csv's parameter columns hold whatever was swept: any type, no gaps.
TEXT = {"variant", "segment", "state", "date", "from", "to", "metric", "unit", "better"}
MAY_BE_EMPTY = {
    (name, column)
    for name in ("metrics.csv", "robustness.csv")
    for column in ("state", "date")
}


def check(path: Path) -> list[str]:
    problems = []
    header = path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
    frame = pd.read_csv(path)
    table = pl.read_csv(path)
    if list(frame.columns) != header or table.columns != header:
        problems.append(f"columns {list(frame.columns)} / {table.columns} != header {header}")
    if len(frame) != table.height:
        problems.append(f"pandas reads {len(frame)} rows, polars {table.height}")
    for column in header:
        if column not in frame.columns or column not in table.columns:
            continue
        values = frame[column]
        if values.isna().all() and table[column].null_count() == table.height:
            continue  # no value at all: nothing to type
        if path.name == "points.csv" and column != "point":
            if values.isna().any():
                problems.append(f"{column}: missing values")
            continue
        if column in TEXT:
            if (path.name, column) not in MAY_BE_EMPTY and values.isna().any():
                problems.append(f"{column}: missing values")
            if column == "date":
                parsed = pd.to_datetime(values.dropna(), format="%Y-%m-%d", errors="coerce")
                if parsed.isna().any():
                    problems.append("date: not all ISO dates")
        else:
            if not pd.api.types.is_numeric_dtype(values):
                problems.append(f"{column}: pandas reads {values.dtype}, not numbers")
            if not table[column].dtype.is_numeric():
                problems.append(f"{column}: polars reads {table[column].dtype}, not numbers")
    return problems


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    passed = failed = 0
    for folder in map(Path, sys.argv[1:]):
        files = sorted(folder.glob("*.csv"))
        if not files:
            print(f"{folder}: no CSV files", file=sys.stderr)
            failed += 1
        for path in files:
            try:
                problems = check(path)
            except Exception as error:  # a file that does not load at all
                problems = [f"does not load: {error}"]
            if problems:
                failed += 1
                print(f"FAIL {path}: " + "; ".join(problems))
            else:
                passed += 1
                print(f"ok   {path}")
    print(f"check_csv: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
