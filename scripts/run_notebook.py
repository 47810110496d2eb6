#!/usr/bin/env python3
"""Executes a notebook end to end, as CI does, and fails if any cell raises.

    python3 scripts/run_notebook.py notebooks/adoption.ipynb [--output executed.ipynb]

The notebook runs in its own folder, like Jupyter would run it. Environment variables pass
through to the kernel (BLOCKADE, BLOCKADE_OUT, BLOCKADE_RUN_FLAGS: see the notebook).
"""

import argparse
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--output", type=Path, help="where to save the executed notebook")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args()

    notebook = nbformat.read(args.notebook, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=args.timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(args.notebook.resolve().parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as error:
        print(f"{args.notebook}: a cell raised:\n{error}", file=sys.stderr)
        return 1
    finally:
        if args.output:
            nbformat.write(notebook, args.output)
    cells = sum(1 for c in notebook.cells if c.cell_type == "code")
    print(f"{args.notebook}: {cells} code cells executed without error")
    return 0


if __name__ == "__main__":
    sys.exit(main())
