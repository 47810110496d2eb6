#!/usr/bin/env python3
"""The report in a real browser: headless Chromium (Debian's chromium and chromium-driver,
driven by selenium; nothing is downloaded) opens each output folder's report.html and fails on

- a console message of level SEVERE (a script or content-security-policy error among them),
- any resource the page loads (a self-contained page loads none) or any src attribute,
- a chart with zero width or height, or without its role="img", alt text and caption,
- a missing or unexpected section (robustness exactly when the folder is swept, usage when
  it has usage.csv, vendors when metrics.csv has vendor_share rows),
- a number whose value differs from its row and column of metrics.csv or robustness.csv, or
  whose printed text is not that value rounded as the page says,

then prints the page to PDF (checked to be a non-trivial PDF) and takes a screenshot.

    scripts/browser_test.py --blockade target/debug/blockade          # a small run and sweep
    scripts/browser_test.py FOLDER... [--artifacts DIR]               # folders with report.html
    scripts/browser_test.py /tmp/flag --artifacts docs --screenshot-height 1700

Exit status 0 when every check passes, 1 otherwise, 2 when the browser is missing.
"""

import argparse
import base64
import csv
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ROOT = Path(__file__).resolve().parent.parent

SECTIONS = ["question", "headline", "robustness", "charts", "usage", "vendors", "scenario",
            "intervals"]


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            print(f"browser_test: {path} is missing (apt-get install chromium chromium-driver)",
                  file=sys.stderr)
            sys.exit(2)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--hide-scrollbars", "--window-size=1100,1400", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: selenium never looks for, nor downloads, a driver or browser.
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def read_csv(path):
    """Rows by their leading columns up to `step`, joined with `|`, as the page keys them."""
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        key_columns = header.index("step") + 1
        return {"|".join(row[:key_columns]): dict(zip(header, row)) for row in reader}


def printed(value, scale, decimals, magnitude):
    """The text the page prints for a value, as src/report/html.rs rounds it."""
    if magnitude:
        value = abs(value)
    value *= scale
    if decimals == 0 and scale == 1:
        whole = math.floor(abs(value) + 0.5)
        text = f"{'-' if value < 0 and whole else ''}{whole:,}"
    else:
        text = f"{value:.{decimals}f}"
    if text.startswith("-") and set(text[1:]) <= set("0.,"):
        text = text[1:]
    return text


class Checks:
    def __init__(self, name):
        self.name = name
        self.failures = []
        self.passed = 0

    def check(self, ok, message):
        if ok:
            self.passed += 1
        else:
            self.failures.append(message)


def check_report(driver, folder, artifacts, screenshot_height):
    folder = Path(folder).resolve()
    page = folder / "report.html"
    checks = Checks(folder.name)
    if not page.is_file():
        checks.check(False, f"{page} is missing")
        return checks
    driver.get_log("browser")  # what earlier pages logged is not this page's
    driver.get(page.as_uri())

    for entry in driver.get_log("browser"):
        checks.check(entry["level"] != "SEVERE", f"console: {entry['message']}")
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    checks.check(resources == [], f"the page loaded resources: {resources}")
    sources = driver.execute_script(
        "return [...document.querySelectorAll('[src], script, iframe, object, embed')]"
        ".map(e => e.outerHTML.slice(0, 80))")
    checks.check(sources == [], f"elements that load or run something: {sources}")

    # Robustness when swept, usage when the run has usage weights, vendors when some vendor
    # has several providers or a name of its own (metrics.csv then has vendor_share rows).
    with open(folder / "metrics.csv", newline="") as f:
        vendors = any(row["metric"] == "vendor_share" for row in csv.DictReader(f))
    present = {"robustness": (folder / "points.csv").exists(),
               "usage": (folder / "usage.csv").exists(), "vendors": vendors}
    expected = [s for s in SECTIONS if present.get(s, True)]
    sections = driver.execute_script(
        "return [...document.querySelectorAll('main > section')].map(s => s.id)")
    checks.check(sections == expected, f"sections {sections}, expected {expected}")
    for section in expected:
        text = driver.execute_script(
            f"const s = document.getElementById('{section}'); return s ? s.innerText : ''")
        checks.check(len(text.strip()) > 40, f"section {section} is empty")

    charts = driver.execute_script("""
        return [...document.querySelectorAll('figure')].map(f => {
            const chart = f.querySelector('.chart');
            const svg = f.querySelector('svg');
            const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
            return {id: f.id, width: box.width, height: box.height,
                    role: chart && chart.getAttribute('role'),
                    alt: chart && chart.getAttribute('aria-label'),
                    caption: (f.querySelector('figcaption') || {}).innerText || ''};
        })""")
    checks.check(len(charts) >= 2, f"{len(charts)} charts")
    for chart in charts:
        checks.check(chart["width"] > 100 and chart["height"] > 100,
                     f"chart {chart['id']} is {chart['width']}x{chart['height']}")
        checks.check(chart["role"] == "img" and len(chart["alt"] or "") > 40,
                     f"chart {chart['id']} has no alt text")
        checks.check(len(chart["caption"]) > 20, f"chart {chart['id']} has no caption")

    numbers = driver.execute_script("""
        return [...document.querySelectorAll('span.n')].map(s => ({
            file: s.dataset.file, key: s.dataset.key, column: s.dataset.column,
            value: s.dataset.value, scale: s.dataset.scale, decimals: s.dataset.decimals,
            magnitude: s.dataset.magnitude, text: s.innerText,
            section: s.closest('section').id}))""")
    files = {}
    in_headline = 0
    for n in numbers:
        if n["file"] not in files:
            files[n["file"]] = read_csv(folder / n["file"])
        row = files[n["file"]].get(n["key"])
        if row is None:
            checks.check(False, f"{n['file']} has no row {n['key']}")
            continue
        written = float(row[n["column"]])
        shown = float(n["value"])
        checks.check(written == shown,
                     f"{n['file']} {n['key']} {n['column']}: {written} in the file, {shown} "
                     f"in the page")
        text = printed(written, float(n["scale"]), int(n["decimals"]), n["magnitude"] == "1")
        checks.check(n["text"] == text,
                     f"{n['file']} {n['key']} {n['column']}: printed {n['text']!r}, "
                     f"the file's value rounds to {text!r}")
        in_headline += n["section"] == "headline"
    checks.check(in_headline >= 5, f"only {in_headline} numbers in the headline")

    if artifacts:
        artifacts = Path(artifacts)
        artifacts.mkdir(parents=True, exist_ok=True)
        from selenium.webdriver.common.print_page_options import PrintOptions

        options = PrintOptions()
        options.background = True
        pdf = base64.b64decode(driver.print_page(options))
        pdf_path = artifacts / f"{folder.name}-report.pdf"
        pdf_path.write_bytes(pdf)
        checks.check(pdf.startswith(b"%PDF") and len(pdf) > 20_000,
                     f"{pdf_path}: {len(pdf)} bytes, not a PDF worth the name")
        height = screenshot_height or driver.execute_script(
            "return document.documentElement.scrollHeight")
        driver.set_window_size(1100, height)
        shot = artifacts / f"{folder.name}-report.png"
        driver.save_screenshot(str(shot))
        checks.check(shot.stat().st_size > 10_000, f"{shot} is nearly empty")
        driver.set_window_size(1100, 1400)
        print(f"  {pdf_path} ({len(pdf) // 1024} kB), {shot} ({shot.stat().st_size // 1024} kB)")
    print(f"{folder}: {checks.passed} checks passed, {len(numbers)} numbers, "
          f"{len(charts)} charts, sections {', '.join(sections)}")
    return checks


def small_runs(blockade, scratch):
    """A small run of the flagship scenario and a small sweep, each with its report."""
    run = scratch / "openai-api-block-2024"
    sweep = scratch / "tiny-sweep"
    subprocess.run([blockade, "run", str(ROOT / "scenarios/openai-api-block-2024.toml"),
                    "--population", "2000", "--replicates", "3", "--quiet", "--report",
                    "--out", str(run)], check=True)
    subprocess.run([blockade, "run", str(ROOT / "tests/scenarios/tiny-sweep.toml"), "--quiet",
                    "--out", str(sweep)], check=True)
    subprocess.run([blockade, "report", str(sweep)], check=True)
    return [run, sweep]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", help="output folders holding report.html")
    parser.add_argument("--blockade", help="make a small run and a small sweep with this binary")
    parser.add_argument("--artifacts", help="write each report's PDF and screenshot here")
    parser.add_argument("--screenshot-height", type=int, default=0,
                        help="screenshot this many pixels of the page's top [default: all]")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        folders = list(args.folders)
        if args.blockade:
            folders += small_runs(args.blockade, Path(scratch))
        if not folders:
            parser.error("no folder to check (name some, or give --blockade)")
        artifacts = args.artifacts or str(Path(scratch) / "artifacts")
        driver = browser()
        try:
            results = [check_report(driver, f, artifacts, args.screenshot_height)
                       for f in folders]
        finally:
            driver.quit()
    failures = [(r.name, f) for r in results for f in r.failures]
    for name, failure in failures:
        print(f"FAIL {name}: {failure}", file=sys.stderr)
    print(f"browser_test: {sum(r.passed for r in results)} checks passed, {len(failures)} "
          f"failed, in {time.monotonic() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
