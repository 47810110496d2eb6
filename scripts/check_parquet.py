#!/usr/bin/env python3
"""Checks that a run's Parquet tables hold the values of its CSV tables, in pandas (through
pyarrow) and in polars, each read with no option beyond the file name, with the column types
docs/FORMAT.md gives (issue 13).

    python3 scripts/check_parquet.py --blockade BIN --scratch DIR

Runs, with BIN, a small run of the flagship scenario and a small sweep (tests/scenarios/
tiny-sweep.toml with usage declared in one segment, so that every table is written) twice:
`--format csv` and `--format parquet`. Then, for every table of each: both folders hold it;
pandas and polars read the same columns and rows from both files; every value of the Parquet
file equals the CSV's (floats to the bit, nulls where the CSV field is empty); `date` is a
date (a DATE column, datetime.date in pandas, Date in polars), `point`, `replicate`, `step`,
`agents` and `points` are 64-bit integers, the names are strings, the rest are doubles (the
swept values of points.parquet have the type of their values). Prints one line per table
and library and a closing "N passed, N failed" line; exits 1 if anything fails.
"""

import argparse
import datetime
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
INTEGER = {"point", "replicate", "step", "agents", "points"}
TEXT = {"variant", "segment", "state", "from", "to", "metric", "unit", "better"}


def expected_type(table: str, column: str) -> pa.DataType | None:
    """The Arrow type a column must have; None for a swept value (any type)."""
    if table == "points" and column != "point":
        return None
    if column == "date":
        return pa.date32()
    if column in INTEGER:
        return pa.int64()
    if column in TEXT:
        return pa.string()
    return pa.float64()


def text(values) -> list[str]:
    """Values as the CSV writes them: ISO dates, empty for a missing value."""
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
            out.append("")
        elif isinstance(v, (datetime.date, pd.Timestamp)):
            out.append(v.strftime("%Y-%m-%d"))
        else:
            out.append(str(v))
    return out


def same_numbers(a, b) -> bool:
    """Equal to the bit, NaN (a missing value) where the other is NaN."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def check_schema(table: str, path: Path) -> list[str]:
    problems = []
    for field in pq.read_schema(path):
        want = expected_type(table, field.name)
        if want is not None and field.type != want:
            problems.append(f"{field.name}: {field.type}, expected {want}")
    return problems


def check_pandas(table: str, csv: Path, parquet: Path) -> list[str]:
    c = pd.read_csv(csv)
    p = pd.read_parquet(parquet)
    problems = []
    if list(c.columns) != list(p.columns) or len(c) != len(p):
        return [f"columns/rows {list(c.columns)}x{len(c)} != {list(p.columns)}x{len(p)}"]
    for column in c.columns:
        want = expected_type(table, column)
        pv = p[column]
        if column == "date":
            dates = pv.dropna()
            if not (
                pd.api.types.is_datetime64_any_dtype(pv)
                or all(isinstance(v, datetime.date) for v in dates)
            ):
                problems.append(f"date: pandas reads {pv.dtype}, not dates")
        if want == pa.int64() and not pv.isna().any() and not pd.api.types.is_integer_dtype(pv):
            problems.append(f"{column}: pandas reads {pv.dtype}, not integers")
        numeric = want in (pa.int64(), pa.float64()) or (
            want is None and pd.api.types.is_numeric_dtype(pv) and not pd.api.types.is_bool_dtype(pv)
        )
        if numeric:
            if not same_numbers(c[column], pv):
                problems.append(f"{column}: values differ")
        elif text(c[column]) != text(pv):
            problems.append(f"{column}: values differ")
    return problems


def check_polars(table: str, csv: Path, parquet: Path) -> list[str]:
    c = pl.read_csv(csv, infer_schema_length=None)
    p = pl.read_parquet(parquet)
    problems = []
    if c.columns != p.columns or c.height != p.height:
        return [f"columns/rows {c.columns}x{c.height} != {p.columns}x{p.height}"]
    for column in c.columns:
        want = expected_type(table, column)
        pv = p[column]
        expected = {
            pa.date32(): pl.Date,
            pa.int64(): pl.Int64,
            pa.string(): pl.String,
            pa.float64(): pl.Float64,
        }.get(want)
        if expected is not None and pv.dtype != expected:
            problems.append(f"{column}: polars reads {pv.dtype}, expected {expected}")
        if pv.dtype.is_numeric():
            if not same_numbers(c[column].cast(pl.Float64).to_numpy(), pv.cast(pl.Float64).to_numpy()):
                problems.append(f"{column}: values differ")
            if pv.dtype == pl.Int64 and c[column].null_count() == 0:
                if c[column].cast(pl.Int64).to_list() != pv.to_list():
                    problems.append(f"{column}: integers differ")
        elif text(c[column].to_list()) != text(pv.to_list()):
            problems.append(f"{column}: values differ")
    return problems


def tiny_with_usage(scratch: Path) -> Path:
    source = (ROOT / "tests/scenarios/tiny-sweep.toml").read_text(encoding="utf-8")
    anchor = "heterogeneity = 0.2\n"
    assert anchor in source, "tiny-sweep.toml changed: update check_parquet.py"
    path = scratch / "tiny-usage.toml"
    path.write_text(
        source.replace(anchor, anchor + "usage = { median = 1.5, sigma = 0.8 }\n", 1),
        encoding="utf-8",
    )
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--blockade", required=True, help="the blockade binary")
    parser.add_argument("--scratch", required=True, type=Path, help="a folder for the runs")
    args = parser.parse_args()
    args.scratch.mkdir(parents=True, exist_ok=True)
    runs = {
        "run": [str(ROOT / "scenarios/openai-api-block-2024.toml"), "--population", "2000",
                "--replicates", "3"],
        "sweep": [str(tiny_with_usage(args.scratch))],
    }
    passed = failed = 0
    for name, command in runs.items():
        folders = {}
        for fmt in ("csv", "parquet"):
            folders[fmt] = args.scratch / f"{name}-{fmt}"
            subprocess.run(
                [args.blockade, "run", *command, "--quiet", "--format", fmt,
                 "--out", str(folders[fmt])],
                check=True,
            )
        csv_tables = sorted(p.stem for p in folders["csv"].glob("*.csv"))
        parquet_tables = sorted(p.stem for p in folders["parquet"].glob("*.parquet"))
        if csv_tables != parquet_tables or not csv_tables or list(folders["parquet"].glob("*.csv")):
            failed += 1
            print(f"FAIL {name}: tables {csv_tables} (CSV) != {parquet_tables} (Parquet)")
            continue
        for table in csv_tables:
            csv = folders["csv"] / f"{table}.csv"
            parquet = folders["parquet"] / f"{table}.parquet"
            for library, check in (("pyarrow", check_schema), ("pandas", check_pandas),
                                   ("polars", check_polars)):
                try:
                    if library == "pyarrow":
                        problems = check(table, parquet)
                    else:
                        problems = check(table, csv, parquet)
                except Exception as error:  # a file that does not load at all
                    problems = [f"does not load: {error!r}"]
                if problems:
                    failed += 1
                    print(f"FAIL {name}/{table} ({library}): " + "; ".join(problems))
                else:
                    passed += 1
                    print(f"ok   {name}/{table} ({library})")
    print(f"check_parquet: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
