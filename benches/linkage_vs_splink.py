#!/usr/bin/env python3
"""Compare famgraph's record linkage with Splink's (and recordlinkage's) on the same data.

Run from the repository root, after a release build:

    python3 benches/linkage_vs_splink.py --families 600,10000,100000
    python3 benches/linkage_vs_splink.py --febrl 1,2,3,4
    python3 benches/linkage_vs_splink.py --families 600 --febrl 1,2,3,4 --splink-threshold 0.5,0.9

Two suites, each tool in its own subprocess so that wall time and peak
memory are per tool:

Synthetic (`--families`, default 600,10000,100000 unless only `--febrl` is
given). For each size `famgraph synth` (medium noise) makes a bundle and its
truth, then:

- famgraph: `famgraph evaluate --format json` (load, link, analyse, score;
  its wall time, peak memory and `timings.link_s` are the row's), and
  `famgraph export` whose `people.csv` is scored here against the truth's
  `records.csv`, like every other tool;
- Splink 5 (DuckDB backend) on the same `people.csv`: the usual cleaning
  (case, postcode spacing, sex codes, UPRN and NHS digits), a Fellegi-Sunter
  model (given and family name: exact with term-frequency adjustment and
  Jaro-Winkler levels; date of birth; sex; address as UPRN, then postcode,
  then postcode sector; NHS number), trained as Splink's tutorials do
  (probability two random records match from deterministic rules, u by
  random sampling of 1e7 pairs, m by EM blocked on date of birth and on
  full name), prediction with famgraph's blocking keys plus full name.
  `--splink-link-type dedupe` (default) scores every pair of records, one
  agency's two records of a person included (the contract allows them), and
  clusters by connected components at `--splink-threshold` (default 0.9;
  `cluster_pairwise_predictions_at_threshold`). `--splink-link-type
  link-only` is the old mode: one dataset per agency, no pairs within an
  agency, and `--splink-clustering best-links` (or `both`) adds Splink's
  `cluster_using_single_best_links` with every agency duplicate-free (at
  most one record per agency in a person).

FEBRL (`--febrl 1,2,3,4`): the public FEBRL data sets that ship inside the
`recordlinkage` package (`load_febrl1()` .. `load_febrl4()`), converted to
bundles: FEBRL4 as two agencies `febrl_a` and `febrl_b` (its datasets A and
B), FEBRL1, 2 and 3 each as one agency holding its own duplicates. people.csv
takes rec_id, given_name, surname, date_of_birth (YYYYMMDD to ISO, blank
when missing or not a real date), the address (street_number and address_1,
then address_2 after a comma, as one free-text line) and the postcode, each Australian 4-digit code d1d2d3d4 written
as the UK-shaped `A{d1}{d2} {d3}A{L}` with L = "ABDEFGHJLN"[d4], so equal
codes stay equal and a one-digit slip stays a one-character difference.
sex, uprn and nhs_number are blank and soc_sec_id is never read: linkage
here has no shared identifier. Rows with an empty given name or surname
break the contract, so they are dropped (counted per set) and every tool
sees exactly the remaining rows. The truth is the number in rec_id
(`rec-123-org`, `rec-123-dup-0`: person 123). Then:

- famgraph: `famgraph export`, its `people.csv` scored here;
- Splink 5 set up as its own FEBRL examples (febrl3, febrl4) are, on the
  fields famgraph gets: the names as febrl4's extended model compares them
  (one comparison: full name exact with term frequencies and Jaro-Winkler,
  names swapped, swapped with typos, one name crossed over, one name
  alike; `--splink-febrl-model detailed` gives each name its own
  `NameComparison` instead), date of birth (`DateOfBirthComparison`),
  street number (exact, term frequencies) and street (Jaro-Winkler) read
  back from the address, postcode (Damerau-Levenshtein 1 and 2, term
  frequencies); `link_only` between A and B for FEBRL4, `dedupe_only` for
  1 to 3; prediction blocked on full name, swapped names, date of birth,
  street number and street, postcode; prior from deterministic rules, u by
  random sampling of 1e7 pairs, m by EM blocked on date of birth and on
  postcode; connected components at `--splink-threshold` (and, with
  `--splink-clustering best-links` or `both`, single best links for
  FEBRL4, whose A and B are each duplicate-free);
- recordlinkage's `ECMClassifier` as in its documentation's FEBRL guides:
  candidate pairs from blocking (union of blocks on given name, family
  name, date of birth and postcode), `Compare` on the same fields (names by
  Jaro-Winkler >= 0.85, date of birth, street number and postcode exact,
  street by Levenshtein >= 0.85), unsupervised ECM on those binary vectors.

Scoring is the same for all: pairwise precision, recall and F1 of the
records put together against the truth (for recordlinkage, its predicted
links themselves), and people-level figures: merged share (predicted people
whose records belong to two or more true people), split share (true people
with two or more records whose records land in two or more predicted
people) and, on synthetic bundles, within-agency duplicates kept whole
(true people with two or more records in one agency whose records in that
agency all land in one predicted person). recordlinkage gives pairs, not
people: its people are the connected components of its links.

It prints a Markdown table per suite, with the machine, and `--json OUT`
writes every figure.

Splink and recordlinkage run in a venv (default
`$HOME/.cache/famgraph/splink-venv`), created with `splink==5.0.0` and
`recordlinkage==0.16` on first use; the driver itself needs only Python
3.11's standard library. The same file, run by the venv's python with the
hidden `_splink_worker`, `_recordlinkage_worker` and `_febrl_dump`
commands, is the other side.

Options worth knowing: `--seed`, `--noise`, `--work DIR` (bundles and
logs; default a fresh folder under `$HOME/.cache/famgraph/bench`),
`--famgraph PATH` (default `$CARGO_TARGET_DIR/release/famgraph`, then
`$HOME/.cache/famgraph/target/release/famgraph`, then
`target/release/famgraph`; not needed when famgraph does not run),
`--threads` (DuckDB threads for Splink, BLAS threads for recordlinkage;
default: the machine's cores), `--only famgraph,splink,recordlinkage`
(any of them), `--splink-threshold 0.5,0.9` (a row per threshold, from one
Splink run). Each run's logs are `WORK/<bundle>.<tool>.stderr`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

SPLINK_VERSION = "5.0.0"
RECORDLINKAGE_VERSION = "0.16"
VENV_PINS = {"splink": SPLINK_VERSION, "recordlinkage": RECORDLINKAGE_VERSION}
DEFAULT_VENV = Path.home() / ".cache" / "famgraph" / "splink-venv"
DEFAULT_BENCH_ROOT = Path.home() / ".cache" / "famgraph" / "bench"
DEFAULT_FAMILIES = "600,10000,100000"
REPO_ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("famgraph", "splink", "recordlinkage")

# FEBRL to bundle: letters an inward code may use, one per digit 0-9.
INWARD_LETTERS = "ABDEFGHJLN"
# Every FEBRL date of birth is in the 1900s; pushed later if one is not.
FEBRL_EXTRACTED_ON = date(2024, 12, 31)
FEBRL_REC_ID = re.compile(r"rec-([0-9]+)-(?:org|dup-[0-9]+)")

PEOPLE_COLUMNS = ["agency", "record_id", "given_name", "family_name", "date_of_birth",
                  "sex", "address", "postcode", "uprn", "nhs_number"]


class StepFailed(Exception):
    """A benchmark step failed; the message says which step, at which size."""


# ---------------------------------------------------------------------------
# Driver: subprocesses, measurement, scoring, reporting (standard library only)
# ---------------------------------------------------------------------------


def default_famgraph() -> Path:
    """The first famgraph binary found: `$CARGO_TARGET_DIR/release`,
    `$HOME/.cache/famgraph/target/release`, `target/release`."""
    candidates = []
    target = os.environ.get("CARGO_TARGET_DIR")
    if target:
        candidates.append(Path(target) / "release" / "famgraph")
    candidates.append(Path.home() / ".cache" / "famgraph" / "target" / "release" / "famgraph")
    candidates.append(REPO_ROOT / "target" / "release" / "famgraph")
    return next((c for c in candidates if c.is_file()), candidates[0])


def run_measured(cmd: list[str], log_prefix: Path, step: str, env: dict | None = None) -> dict:
    """Run `cmd` in its own process; return wall seconds and peak RSS.

    stdout and stderr go to `<log_prefix>.stdout` / `.stderr` (files, so a
    chatty child cannot block on a full pipe). Peak memory comes from
    `os.wait4`, i.e. this child's own `ru_maxrss` (KiB on Linux).
    """
    out_path = log_prefix.with_name(log_prefix.name + ".stdout")
    err_path = log_prefix.with_name(log_prefix.name + ".stderr")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.monotonic()
        try:
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                    env=None if env is None else {**os.environ, **env})
        except OSError as exc:
            raise StepFailed(f"{step}: cannot start {cmd[0]}: {exc}") from exc
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = err_path.read_text(errors="replace").strip().splitlines()[-25:]
        raise StepFailed(
            f"{step}: exited with {proc.returncode} (log: {err_path})\n"
            f"  command: {' '.join(cmd)}\n  last lines of the log:\n    " + "\n    ".join(tail)
        )
    return {
        "wall_s": wall,
        "peak_rss_mib": usage.ru_maxrss / 1024.0,
        "stdout": out_path.read_text(errors="replace"),
    }


def ensure_venv(venv: Path) -> Path:
    """Create the venv (Splink and recordlinkage, pinned) if needed; return its python.

    Both pins go to pip in one command so that its resolver picks numpy,
    pandas and DuckDB versions both packages accept.
    """
    python = venv / "bin" / "python"
    probe = [str(python), "-c",
             "import json, splink, duckdb, recordlinkage; "
             "print(json.dumps({'splink': splink.__version__, "
             "'recordlinkage': recordlinkage.__version__}))"]

    def installed() -> dict | None:
        if not python.exists():
            return None
        found = subprocess.run(probe, capture_output=True, text=True)
        if found.returncode != 0:
            return None
        return json.loads(found.stdout)

    if installed() == VENV_PINS:
        return python
    pins = [f"{name}=={version}" for name, version in VENV_PINS.items()]
    print(f"setting up {venv} with {' '.join(pins)} ...", file=sys.stderr)
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *pins], check=True)
    except subprocess.CalledProcessError as exc:
        raise StepFailed(f"setting up the venv at {venv}: {exc}") from exc
    found = installed()
    if found != VENV_PINS:
        raise StepFailed(f"setting up the venv at {venv}: expected {VENV_PINS}, found {found}")
    return python


def synth_bundle(famgraph: Path, families: int, seed: int, noise: str, work: Path) -> tuple[Path, Path]:
    """Generate (or reuse) the bundle and truth for one size."""
    name = f"b{families}-s{seed}-{noise}"
    bundle, truth = work / name, work / f"{name}.truth"
    if (bundle / "people.csv").exists() and (truth / "records.csv").exists():
        return bundle, truth
    cmd = [
        str(famgraph), "synth", "--families", str(families), "--seed", str(seed),
        "--out", str(bundle), "--truth", str(truth), "--noise", noise,
    ]
    run_measured(cmd, work / f"{name}.synth", f"synth at {families} families")
    return bundle, truth


# --- FEBRL to bundle --------------------------------------------------------


def febrl_postcode(code: str) -> str:
    """An Australian 4-digit postcode as a UK-shaped one, digit by digit."""
    code = code.strip()
    if not re.fullmatch(r"[0-9]{4}", code):
        return ""
    d1, d2, d3, d4 = code
    return f"A{d1}{d2} {d3}A{INWARD_LETTERS[int(d4)]}"


def febrl_date(text: str) -> str:
    """YYYYMMDD as ISO, or "" when missing or not a real date."""
    text = text.strip()
    if not re.fullmatch(r"[0-9]{8}", text):
        return ""
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
    except ValueError:
        return ""


def febrl_bundle(python: Path, number: int, work: Path) -> tuple[Path, Path, dict]:
    """Write FEBRL set `number` as a bundle and its truth; return the counts.

    The venv's python dumps the set from the recordlinkage package (without
    soc_sec_id); the conversion itself is here.
    """
    name = f"febrl{number}"
    bundle, truth = work / name, work / f"{name}.truth"
    raw = work / f"{name}.raw.csv"
    step = f"FEBRL{number}: loading it from recordlinkage"
    found = subprocess.run(
        [str(python), str(Path(__file__).resolve()), "_febrl_dump", "--set", str(number), "--out", str(raw)],
        capture_output=True, text=True,
    )
    if found.returncode != 0:
        raise StepFailed(f"{step}: {found.stderr.strip()[-2000:]}")
    with open(raw, newline="") as f:
        rows = list(csv.DictReader(f))

    if number == 4:
        agencies = {"a": ("febrl_a", "FEBRL4 dataset A"), "b": ("febrl_b", "FEBRL4 dataset B")}
    else:
        agencies = {"": (f"febrl{number}", f"FEBRL{number}")}
    stats = {"set": f"FEBRL{number}", "rows_in": len(rows), "dropped_no_given_name": 0,
             "dropped_no_surname": 0, "dropped": 0, "dob_missing": 0, "dob_invalid_blanked": 0,
             "postcode_blanked": 0}
    people, records = [], []
    for row in rows:
        given, surname = row["given_name"].strip(), row["surname"].strip()
        if not given or not surname:
            stats["dropped"] += 1
            stats["dropped_no_given_name"] += not given
            stats["dropped_no_surname"] += not surname
            continue
        match = FEBRL_REC_ID.fullmatch(row["rec_id"].strip())
        if not match:
            raise StepFailed(f"FEBRL{number}: rec_id {row['rec_id']!r} is not rec-N-org or rec-N-dup-K")
        dob = febrl_date(row["date_of_birth"])
        if not row["date_of_birth"].strip():
            stats["dob_missing"] += 1
        elif not dob:
            stats["dob_invalid_blanked"] += 1
        postcode = febrl_postcode(row["postcode"])
        stats["postcode_blanked"] += not postcode
        # One free-text line as a case system holds it: the house number
        # and street, then the locality or building after a comma.
        street = " ".join(part for part in (row["street_number"].strip(), row["address_1"].strip()) if part)
        address = ", ".join(part for part in (street, row["address_2"].strip()) if part)
        agency = agencies[row["source"]][0]
        people.append({
            "agency": agency, "record_id": row["rec_id"].strip(), "given_name": given,
            "family_name": surname, "date_of_birth": dob, "sex": "", "address": address,
            "postcode": postcode, "uprn": "", "nhs_number": "",
        })
        records.append({"agency": agency, "record_id": row["rec_id"].strip(),
                        "person_id": f"febrl-{match.group(1)}"})

    latest_dob = max((date.fromisoformat(p["date_of_birth"]) for p in people if p["date_of_birth"]),
                     default=FEBRL_EXTRACTED_ON)
    extracted_on = max(FEBRL_EXTRACTED_ON, latest_dob + timedelta(days=1)).isoformat()
    bundle.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)
    write_csv(bundle / "agencies.csv", ["agency", "name", "sector", "extracted_on"],
              [{"agency": code, "name": label, "sector": "other", "extracted_on": extracted_on}
               for code, label in agencies.values()])
    # One service per agency, with no involvements (the contract allows both).
    write_csv(bundle / "services.csv", ["agency", "service", "name", "need", "offending"],
              [{"agency": code, "service": "record", "name": "Record held", "need": "health",
                "offending": "false"} for code, _ in agencies.values()])
    write_csv(bundle / "people.csv", PEOPLE_COLUMNS, people)
    write_csv(bundle / "relationships.csv",
              ["agency", "from_record", "kind", "to_record", "start_date", "end_date"], [])
    write_csv(bundle / "involvements.csv",
              ["agency", "involvement_id", "record_id", "service", "start_date", "end_date", "role"], [])
    write_csv(truth / "records.csv", ["agency", "record_id", "person_id"], records)
    stats["records"] = len(people)
    stats["extracted_on"] = extracted_on
    return bundle, truth, stats


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


# --- the tools ----------------------------------------------------------------


def run_famgraph_evaluate(famgraph: Path, bundle: Path, truth: Path, work: Path, label: str) -> dict:
    """`famgraph evaluate --format json` in its own process (synthetic bundles)."""
    step = f"famgraph evaluate on {label}"
    cmd = [str(famgraph), "evaluate", "--data", str(bundle), "--truth", str(truth), "--format", "json"]
    run = run_measured(cmd, work / f"{bundle.name}.famgraph", step)
    try:
        report = json.loads(run["stdout"])
    except json.JSONDecodeError as exc:
        raise StepFailed(f"{step}: output is not JSON ({exc}): {run['stdout'][:300]!r}") from exc
    return {**run, "report": report}


def run_famgraph_export(famgraph: Path, bundle: Path, work: Path, label: str) -> tuple[dict, dict]:
    """`famgraph export` in its own process; its people.csv as record -> person."""
    step = f"famgraph export on {label}"
    out = work / f"{bundle.name}.famgraph-export"
    shutil.rmtree(out, ignore_errors=True)  # no people.csv of an earlier run
    cmd = [str(famgraph), "export", "--data", str(bundle), "--out", str(out)]
    run = run_measured(cmd, work / f"{bundle.name}.famgraph-export", step)
    with open(out / "people.csv", newline="") as f:
        predicted = {(r["agency"], r["record_id"]): r["person_id"] for r in csv.DictReader(f)}
    return run, predicted


def run_famgraph(famgraph: Path, bundle: Path, truth_dir: Path, truth: dict, work: Path, label: str,
                 synthetic: bool) -> list[dict]:
    """famgraph, scored from `export`'s people.csv; on synthetic bundles
    `evaluate` too, whose wall time, memory and link time the row keeps."""
    export, predicted = run_famgraph_export(famgraph, bundle, work, label)
    check_same_records(f"famgraph export on {label}", predicted, truth)
    row = {"tool": "famgraph", **score_people(predicted, truth),
           "wall_s": export["wall_s"], "peak_rss_mib": export["peak_rss_mib"], "link_s": None,
           "export_wall_s": export["wall_s"], "export_peak_rss_mib": export["peak_rss_mib"]}
    if synthetic:
        evaluate = run_famgraph_evaluate(famgraph, bundle, truth_dir, work, label)
        report = evaluate["report"]
        timings = report.get("timings") or {}
        row.update({"wall_s": evaluate["wall_s"], "peak_rss_mib": evaluate["peak_rss_mib"],
                    "link_s": timings.get("link_s"), "timings": timings,
                    "evaluate": {k: v for k, v in report.items() if not isinstance(v, (dict, list))}})
        # famgraph scores itself too: say so when it and this script disagree.
        for ours, theirs in (("f1", "f1"), ("merged_share", "people_merged_share"),
                             ("split_share", "people_split_share"),
                             ("agency_duplicates_whole_share", "duplicates_kept_whole_share")):
            if report.get(theirs) is not None and row[ours] is not None \
                    and abs(report[theirs] - row[ours]) > 1e-6:
                print(f"  note: famgraph evaluate says {theirs} {report[theirs]:.6f}, its export "
                      f"scores {row[ours]:.6f} here", file=sys.stderr)
    return [row]


def run_splink(python: Path, bundle: Path, truth: dict, work: Path, label: str, args, *,
               profile: str, link_type: str) -> list[dict]:
    """The Splink worker in the venv's python; score each clustering here.

    Returns one result per (clustering method, threshold). They share one
    process, so its wall time and peak memory cover all of them; `link_s`
    and `total_s` are per variant (training and prediction plus that
    variant's clustering).
    """
    step = f"Splink on {label}"
    prefix = work / f"{bundle.name}.splink"
    result_path = prefix.with_name(prefix.name + ".json")
    temp_dir = prefix.with_name(prefix.name + "-duckdb-tmp")
    methods = ["connected", "best-links"] if args.splink_clustering == "both" else [args.splink_clustering]
    if link_type != "link_only":
        methods = ["connected"]  # single best links needs one dataset per agency
    cmd = [
        str(python), str(Path(__file__).resolve()), "_splink_worker",
        "--people", str(bundle / "people.csv"), "--profile", profile, "--link-type", link_type,
        "--febrl-model", args.splink_febrl_model,
        "--out", str(result_path), "--clusters", str(prefix.with_name(prefix.name + "-clusters")),
        "--thresholds", ",".join(str(t) for t in args.splink_threshold),
        "--methods", ",".join(methods),
        "--threads", str(args.threads), "--seed", str(args.seed),
        "--temp-dir", str(temp_dir), "--temp-limit", args.splink_temp_limit,
    ]
    run = run_measured(cmd, prefix, step)
    result = json.loads(result_path.read_text())
    rows = []
    for variant in result["variants"]:
        predicted = read_clusters(Path(variant["clusters_csv"]))
        check_same_records(step, predicted, truth)
        rows.append({
            "tool": f"Splink {SPLINK_VERSION} ({variant['method']}, p>={variant['threshold']:g})",
            **score_people(predicted, truth),
            "wall_s": run["wall_s"],
            "link_s": variant["link_s"],
            "timings": {**result["timings"], "cluster_s": variant["cluster_s"],
                        "link_s": variant["link_s"], "total_s": variant["total_s"]},
            "peak_rss_mib": run["peak_rss_mib"],
            "shared_process_with": len(result["variants"]),
            "model": {**result["model"], "clustering": variant["method"],
                      "threshold": variant["threshold"]},
        })
    return rows


def run_recordlinkage(python: Path, bundle: Path, truth: dict, work: Path, label: str, args, *,
                      link_type: str) -> list[dict]:
    """The recordlinkage worker (blocking, Compare, ECMClassifier); its links
    are scored as pairs, their connected components as people."""
    step = f"recordlinkage on {label}"
    prefix = work / f"{bundle.name}.recordlinkage"
    result_path = prefix.with_name(prefix.name + ".json")
    links_path = prefix.with_name(prefix.name + "-links.csv")
    cmd = [
        str(python), str(Path(__file__).resolve()), "_recordlinkage_worker",
        "--people", str(bundle / "people.csv"), "--link-type", link_type,
        "--out", str(result_path), "--links", str(links_path),
    ]
    threads = str(args.threads)
    env = {"OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
    run = run_measured(cmd, prefix, step, env=env)
    result = json.loads(result_path.read_text())
    with open(links_path, newline="") as f:
        links = [((r["agency_l"], r["record_id_l"]), (r["agency_r"], r["record_id_r"]))
                 for r in csv.DictReader(f)]
    unknown = {k for pair in links for k in pair} - set(truth)
    if unknown:
        raise StepFailed(f"{step}: links name {len(unknown)} records not in the truth, "
                         f"e.g. {sorted(unknown)[:3]}")
    people = score_people(connected_components(truth, links), truth)
    return [{
        "tool": f"recordlinkage {RECORDLINKAGE_VERSION} (ECM)",
        **people,
        **link_quality(links, truth),
        "components_pairwise": {k: people[k] for k in
                                ("precision", "recall", "f1", "false_positive_pairs", "false_negative_pairs")},
        "wall_s": run["wall_s"],
        "link_s": result["timings"]["link_s"],
        "timings": result["timings"],
        "peak_rss_mib": run["peak_rss_mib"],
        "model": result["model"],
    }]


# --- scoring ------------------------------------------------------------------


def read_truth(path: Path) -> dict[tuple[str, str], str]:
    """(agency, record_id) -> true person."""
    with open(path, newline="") as f:
        return {(r["agency"], r["record_id"]): r["person_id"] for r in csv.DictReader(f)}


def read_clusters(path: Path) -> dict[tuple[str, str], str]:
    """(agency, record_id) -> Splink cluster."""
    with open(path, newline="") as f:
        return {(r["agency"], r["record_id"]): r["cluster_id"] for r in csv.DictReader(f)}


def check_same_records(step: str, predicted: dict, truth: dict) -> None:
    mismatched = set(truth) ^ set(predicted)
    if mismatched:
        raise StepFailed(
            f"{step}: its people and the truth disagree on {len(mismatched)} records "
            f"({len(set(truth) - set(predicted))} missing from its output), e.g. {sorted(mismatched)[:3]}"
        )


def n_pairs(counts) -> int:
    return sum(n * (n - 1) // 2 for n in counts)


def prf(both: int, predicted_pairs: int, true_pairs: int) -> dict:
    """Precision, recall and F1. With no predicted pairs precision is 1,
    with no true pairs recall is 1 (famgraph's `pairwise_quality`)."""
    precision = both / predicted_pairs if predicted_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision, "recall": recall, "f1": f1,
        "false_positive_pairs": predicted_pairs - both,
        "false_negative_pairs": true_pairs - both,
    }


def pairwise_quality(predicted: dict, truth: dict) -> dict:
    """Pairwise quality of a clustering from contingency counts: a pair is
    predicted if both records share a cluster, true if both share a person."""
    keys = list(truth)
    return prf(
        n_pairs(Counter((predicted[k], truth[k]) for k in keys).values()),
        n_pairs(Counter(predicted[k] for k in keys).values()),
        n_pairs(Counter(truth[k] for k in keys).values()),
    )


def link_quality(links: list[tuple], truth: dict) -> dict:
    """Pairwise quality of a set of links (each unordered pair once)."""
    unique = {tuple(sorted(pair)) for pair in links if pair[0] != pair[1]}
    both = sum(truth[a] == truth[b] for a, b in unique)
    return prf(both, len(unique), n_pairs(Counter(truth.values()).values()))


def connected_components(truth: dict, links: list[tuple]) -> dict:
    """Record -> component of the links (every record of the truth, singletons too)."""
    parent = {k: k for k in truth}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, b in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {k: "{}:{}".format(*find(k)) for k in truth}


def people_quality(predicted: dict, truth: dict) -> dict:
    """Merged share, split share and within-agency duplicates kept whole.

    merged: predicted people whose records come from two or more true people,
    over all predicted people. split: true people with two or more records
    whose records land in two or more predicted people, over true people with
    two or more records. kept whole: true people with two or more records in
    one agency whose records in each such agency all land in one predicted
    person, over those people (None when there are none).
    """
    true_of_predicted = defaultdict(set)
    predicted_of_true = defaultdict(set)
    records_of_true = Counter()
    predicted_in_agency = defaultdict(set)
    records_in_agency = Counter()
    for key, person in truth.items():
        true_of_predicted[predicted[key]].add(person)
        predicted_of_true[person].add(predicted[key])
        records_of_true[person] += 1
        predicted_in_agency[(person, key[0])].add(predicted[key])
        records_in_agency[(person, key[0])] += 1
    merged = sum(len(t) > 1 for t in true_of_predicted.values())
    multi = [p for p, n in records_of_true.items() if n > 1]
    split = sum(len(predicted_of_true[p]) > 1 for p in multi)
    with_duplicates = defaultdict(bool)  # person -> any agency's duplicates split
    for (person, agency), n in records_in_agency.items():
        if n > 1:
            with_duplicates[person] |= len(predicted_in_agency[(person, agency)]) > 1
    whole = sum(not broken for broken in with_duplicates.values())
    return {
        "merged_share": merged / len(true_of_predicted) if true_of_predicted else 0.0,
        "merged_people": merged,
        "split_share": split / len(multi) if multi else 0.0,
        "split_people": split,
        "people_with_2plus_records": len(multi),
        "agency_duplicates_whole_share": whole / len(with_duplicates) if with_duplicates else None,
        "people_with_agency_duplicates": len(with_duplicates),
    }


def score_people(predicted: dict, truth: dict) -> dict:
    """Every figure of a clustering against the truth."""
    return {
        **pairwise_quality(predicted, truth),
        **people_quality(predicted, truth),
        "records": len(truth),
        "clusters": len(set(predicted[k] for k in truth)),
        "people_true": len(set(truth.values())),
        "pairs_true": n_pairs(Counter(truth.values()).values()),
    }


# --- reporting ----------------------------------------------------------------


def machine() -> dict:
    """CPU model, cores and RAM, from /proc."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = int(line.split()[1]) / 1024 / 1024
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": ram_gib, "python": platform.python_version()}


def pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}"


def failed_cell(row: dict) -> str:
    return "failed: " + row["error"].splitlines()[0].replace("|", "/")[:160]


def markdown_synthetic(results: list[dict], args) -> list[str]:
    lines = [
        f"Synthetic bundles: seed {args.seed}, noise {args.noise}; Splink "
        + ("dedupe (every pair of records, one agency's too)" if args.splink_link_type == "dedupe"
           else "link-only (one dataset per agency)") + ".",
        "",
        "| families | records | tool | precision | recall | F1 | merged % | split % | "
        "dups whole % | process s | link s | peak MiB |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['families']:,} | | {r['tool']} | {failed_cell(r)} | | | | | | | | |")
            continue
        link = f"{r['link_s']:.2f}" if r.get("link_s") is not None else "n/a"
        lines.append(
            f"| {r['families']:,} | {r['records']:,} | {r['tool']} | {r['precision']:.4f} | "
            f"{r['recall']:.4f} | {r['f1']:.4f} | {pct(r['merged_share'])} | {pct(r['split_share'])} | "
            f"{pct(r['agency_duplicates_whole_share'])} | {r['wall_s']:.2f} | {link} | "
            f"{r['peak_rss_mib']:.0f} |"
        )
    lines += [
        "",
        "- precision, recall, F1: pairwise, every tool scored here against the truth's "
        "records.csv (famgraph from its `export` people.csv).",
        "- merged %: predicted people holding records of two or more true people; split %: "
        "true people with two or more records spread over two or more predicted people; dups "
        "whole %: true people with two or more records in one agency whose records there all "
        "land in one predicted person.",
        "- process s: wall time of the whole process. famgraph's `evaluate` reads and "
        "validates the bundle, links, builds households and families and runs the analyses; "
        "Splink's process starts Python, imports Splink, reads and prepares people.csv, "
        "trains, predicts and clusters (every clustering listed for that size, when "
        "there are several).",
        "- link s: famgraph's own `timings.link_s` when it reports one (n/a otherwise); "
        "for Splink, training + prediction + that row's clustering.",
        "- peak MiB: maximum resident set size of the process.",
        "- connected: `cluster_pairwise_predictions_at_threshold`; best-links: "
        "`cluster_using_single_best_links` with every agency duplicate-free (link-only only).",
    ]
    return lines


def markdown_febrl(results: list[dict], conversions: list[dict], args) -> list[str]:
    lines = [
        "FEBRL data sets (from recordlinkage's package), no shared identifier (soc_sec_id unused); "
        f"Splink's {args.splink_febrl_model} FEBRL model.",
        "",
        "| set | tool | records | pairs true | P | R | F1 | merged % | split % | seconds | peak MiB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['set']} | {r['tool']} | {failed_cell(r)} | | | | | | | | |")
            continue
        lines.append(
            f"| {r['set']} | {r['tool']} | {r['records']:,} | {r['pairs_true']:,} | {r['precision']:.4f} | "
            f"{r['recall']:.4f} | {r['f1']:.4f} | {pct(r['merged_share'])} | {pct(r['split_share'])} | "
            f"{r['wall_s']:.2f} | {r['peak_rss_mib']:.0f} |"
        )
    lines.append("")
    for c in conversions:
        lines.append(
            f"- {c['set']}: {c['rows_in']:,} rows, {c['dropped']} dropped (given name empty in "
            f"{c['dropped_no_given_name']}, surname in {c['dropped_no_surname']}, both in "
            f"{c['dropped_no_given_name'] + c['dropped_no_surname'] - c['dropped']}), "
            f"{c['records']:,} kept; of those, {c['dob_missing']} with no date of birth and "
            f"{c['dob_invalid_blanked']} whose date was not a real date (blanked)."
        )
    lines += [
        "- P, R, F1: pairwise against the rec_id numbers; recordlinkage's are of its links, "
        "its merged and split shares of their connected components.",
        "- merged %: predicted people holding records of two or more true people; split %: "
        "true people with two or more records spread over two or more predicted people.",
        "- seconds, peak MiB: wall time and maximum resident set size of the tool's process "
        "(famgraph's `export` also builds households and families, runs every analysis and "
        "writes its tables; Splink's and recordlinkage's include starting Python and imports).",
    ]
    return lines


def markdown(results: list[dict], conversions: list[dict], host: dict, args) -> str:
    ram = f"{host['ram_gib']:.1f} GiB" if host["ram_gib"] else "unknown"
    lines = [f"Machine: {host['cpu']}, {host['cores']} cores, {ram} RAM; DuckDB threads for "
             f"Splink {args.threads}.", ""]
    synthetic = [r for r in results if r["suite"] == "synthetic"]
    febrl = [r for r in results if r["suite"] == "febrl"]
    if synthetic:
        lines += markdown_synthetic(synthetic, args) + [""]
    if febrl or conversions:
        lines += markdown_febrl(febrl, conversions, args)
    return "\n".join(lines).rstrip() + "\n"


# --- main -----------------------------------------------------------------------


def run_tools(tools: list[tuple], context: dict, results: list[dict]) -> bool:
    """Run each (tool, thunk), appending its rows (or its failure) with
    `context`; return whether all went well."""
    ok = True
    where = ", ".join(f"{k} {v}" for k, v in context.items() if k != "suite")
    for tool, run in tools:
        print(f"{where}: running {tool} ...", file=sys.stderr)
        try:
            rows = run()
        except StepFailed as exc:
            print(f"FAILED {exc}", file=sys.stderr)
            rows = [{"tool": tool, "error": str(exc)}]
            ok = False
        except (OSError, KeyError, ValueError) as exc:
            message = f"{tool} on {where}: {type(exc).__name__}: {exc}"
            print(f"FAILED {message}", file=sys.stderr)
            rows = [{"tool": tool, "error": message}]
            ok = False
        for row in rows:
            row.update(context)
            results.append(row)
            if "error" not in row:
                print(f"  {row['tool']}: F1 {row['f1']:.4f}, merged {pct(row['merged_share'])}%, "
                      f"split {pct(row['split_share'])}%, process {row['wall_s']:.1f} s, "
                      f"{row['peak_rss_mib']:.0f} MiB", file=sys.stderr)
    return ok


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", help=f"comma-separated sizes (default {DEFAULT_FAMILIES}, "
                        "or none when --febrl is given)")
    parser.add_argument("--febrl", default="", help="comma-separated FEBRL sets, of 1,2,3,4")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--noise", default="medium")
    parser.add_argument("--work", type=Path, help="folder for bundles and logs")
    parser.add_argument("--famgraph", type=Path, default=default_famgraph())
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--splink-threshold", default="0.9",
                        help="match probability at which Splink's pairs are clustered; "
                        "a comma-separated list gives one row each")
    parser.add_argument("--splink-link-type", choices=["dedupe", "link-only"], default="dedupe",
                        help="synthetic bundles: dedupe scores every pair of records (one agency's "
                        "duplicates too); link-only one dataset per agency, no pairs within one")
    parser.add_argument("--splink-clustering", choices=["connected", "best-links", "both"],
                        default="connected",
                        help="connected: connected components; best-links: at most one record per "
                        "agency in a cluster (cluster_using_single_best_links), link-only runs only "
                        "(synthetic with --splink-link-type link-only, and FEBRL4)")
    parser.add_argument("--splink-febrl-model", choices=["extended", "detailed"], default="extended",
                        help="FEBRL: Splink's febrl4 extended model (names as one comparison, "
                        "swaps and cross-overs) or the detailed one (each name on its own)")
    parser.add_argument("--splink-temp-limit", default="8GB",
                        help="cap on DuckDB's spill files for Splink")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", help="comma-separated tools to run, of " + ",".join(TOOLS))
    parser.add_argument("--json", type=Path, help="write all results here")
    args = parser.parse_args(argv)

    families = args.families if args.families is not None else ("" if args.febrl else DEFAULT_FAMILIES)
    try:
        sizes = [int(s.replace("_", "")) for s in families.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--families must be comma-separated integers, not {args.families!r}")
    try:
        febrl_sets = sorted({int(s) for s in args.febrl.split(",") if s.strip()})
    except ValueError:
        febrl_sets = [0]
    if not set(febrl_sets) <= {1, 2, 3, 4}:
        parser.error(f"--febrl must be comma-separated numbers of 1,2,3,4, not {args.febrl!r}")
    try:
        args.splink_threshold = [float(t) for t in args.splink_threshold.split(",") if t.strip()]
    except ValueError:
        parser.error(f"--splink-threshold must be probabilities, not {args.splink_threshold!r}")
    if not args.splink_threshold or not all(0 < t < 1 for t in args.splink_threshold):
        parser.error("--splink-threshold must be between 0 and 1")
    tools = [t.strip() for t in (args.only or ",".join(TOOLS)).split(",") if t.strip()]
    if not tools or not set(tools) <= set(TOOLS):
        parser.error(f"--only takes tools of {','.join(TOOLS)}, not {args.only!r}")
    if args.splink_clustering != "connected" and 4 not in febrl_sets \
            and not (sizes and args.splink_link_type == "link-only"):
        parser.error("--splink-clustering best-links needs link-only runs: --splink-link-type "
                     "link-only with --families, or FEBRL4")
    famgraph = args.famgraph.resolve()
    if (sizes or "famgraph" in tools) and not famgraph.is_file():
        parser.error(f"no famgraph binary at {famgraph}; build it or pass --famgraph PATH")
    if args.work is None:
        DEFAULT_BENCH_ROOT.mkdir(parents=True, exist_ok=True)
        args.work = Path(tempfile.mkdtemp(prefix="linkage-vs-splink-", dir=DEFAULT_BENCH_ROOT))
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"work folder: {args.work}", file=sys.stderr)

    python = None
    if febrl_sets or set(tools) - {"famgraph"}:
        try:
            python = ensure_venv(args.venv)
        except StepFailed as exc:
            print(f"FAILED {exc}", file=sys.stderr)
            return 1

    results: list[dict] = []
    conversions: list[dict] = []
    ok = True
    synthetic_link_type = "link_only" if args.splink_link_type == "link-only" else "dedupe_only"
    for n in sizes:
        context = {"suite": "synthetic", "families": n}
        try:
            bundle, truth_dir = synth_bundle(famgraph, n, args.seed, args.noise, args.work)
            truth = read_truth(truth_dir / "records.csv")
        except (StepFailed, OSError) as exc:
            print(f"FAILED {exc}", file=sys.stderr)
            results.append({"tool": "famgraph synth", "error": str(exc), **context})
            ok = False
            continue
        label = f"{n:,} families"
        runs = []
        if "famgraph" in tools:
            runs.append(("famgraph", lambda: run_famgraph(famgraph, bundle, truth_dir, truth, args.work,
                                                          label, synthetic=True)))
        if "splink" in tools:
            runs.append((f"Splink {SPLINK_VERSION}", lambda: run_splink(
                python, bundle, truth, args.work, label, args, profile="synthetic",
                link_type=synthetic_link_type)))
        ok &= run_tools(runs, context, results)

    for n in febrl_sets:
        context = {"suite": "febrl", "set": f"FEBRL{n}"}
        try:
            bundle, truth_dir, stats = febrl_bundle(python, n, args.work)
            truth = read_truth(truth_dir / "records.csv")
        except (StepFailed, OSError) as exc:
            print(f"FAILED {exc}", file=sys.stderr)
            results.append({"tool": "conversion", "error": str(exc), **context})
            ok = False
            continue
        conversions.append(stats)
        print(f"FEBRL{n}: {stats['rows_in']} rows, dropped {stats['dropped']} with an empty given name "
              f"or surname; {stats['dob_missing']} dates of birth missing, "
              f"{stats['dob_invalid_blanked']} not real dates (blanked)", file=sys.stderr)
        link_type = "link_only" if n == 4 else "dedupe_only"
        label = f"FEBRL{n}"
        runs = []
        if "famgraph" in tools:
            runs.append(("famgraph", lambda: run_famgraph(famgraph, bundle, truth_dir, truth, args.work,
                                                          label, synthetic=False)))
        if "splink" in tools:
            runs.append((f"Splink {SPLINK_VERSION}", lambda: run_splink(
                python, bundle, truth, args.work, label, args, profile="febrl", link_type=link_type)))
        if "recordlinkage" in tools:
            runs.append((f"recordlinkage {RECORDLINKAGE_VERSION}", lambda: run_recordlinkage(
                python, bundle, truth, args.work, label, args, link_type=link_type)))
        ok &= run_tools(runs, context, results)

    host = machine()
    print(markdown(results, conversions, host, args))
    if args.json:
        payload = {"machine": host, "seed": args.seed, "noise": args.noise,
                   "splink_threshold": args.splink_threshold,
                   "splink_link_type": args.splink_link_type,
                   "splink_febrl_model": args.splink_febrl_model,
                   "splink_clustering": args.splink_clustering, "threads": args.threads,
                   "famgraph": str(famgraph) if famgraph.is_file() else None,
                   "work": str(args.work), "febrl_conversions": conversions, "results": results}
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0 if ok else 1


# ---------------------------------------------------------------------------
# Workers: run inside the venv (splink, duckdb, recordlinkage, pandas)
# ---------------------------------------------------------------------------


def febrl_dump(argv: list[str]) -> int:
    """Write one FEBRL set as CSV for the driver, without soc_sec_id."""
    parser = argparse.ArgumentParser(prog="linkage_vs_splink.py _febrl_dump")
    parser.add_argument("--set", type=int, required=True, choices=[1, 2, 3, 4])
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)

    import pandas as pd
    from recordlinkage import datasets

    if args.set == 4:
        a, b = datasets.load_febrl4()
        frames = [a.assign(source="a"), b.assign(source="b")]
    else:
        frames = [getattr(datasets, f"load_febrl{args.set}")().assign(source="")]
    columns = ["source", "rec_id", "given_name", "surname", "street_number", "address_1",
               "address_2", "postcode", "date_of_birth"]
    frame = pd.concat(frames).reset_index()[columns]  # soc_sec_id is never taken
    frame.fillna("").astype(str).to_csv(args.out, index=False)
    return 0


# The cleaning a Splink user does before linking (Splink compares values as
# given): upper-case names, ISO dates or null, M/F/null sex, postcodes
# re-spaced as "OUT IN", digits-only UPRN (no leading zeros) and NHS number,
# the street number and the rest of the address line apart; plus the derived
# columns the blocking rules use.
PREPARE_SQL = r"""
CREATE OR REPLACE TABLE raw_people AS
SELECT * FROM read_csv('{people}', header = true, all_varchar = true);

CREATE OR REPLACE TABLE people AS
WITH cleaned AS (
    SELECT
        agency || ':' || record_id AS unique_id,
        agency,
        record_id,
        nullif(regexp_replace(upper(trim(given_name)), '[^A-Z]', '', 'g'), '') AS given_name,
        nullif(trim(regexp_replace(upper(family_name), '[^A-Z -]', '', 'g')), '') AS family_name,
        CAST(try_strptime(nullif(trim(date_of_birth), ''), '%Y-%m-%d') AS DATE) AS dob_date,
        CASE upper(left(trim(sex), 1)) WHEN 'M' THEN 'M' WHEN 'F' THEN 'F' END AS sex,
        regexp_replace(upper(coalesce(postcode, '')), '[^A-Z0-9]', '', 'g') AS pc,
        trim(regexp_replace(upper(coalesce(address, '')), '[^A-Z0-9 ]', ' ', 'g')) AS addr,
        nullif(ltrim(regexp_replace(coalesce(uprn, ''), '[^0-9]', '', 'g'), '0'), '') AS uprn,
        nullif(regexp_replace(coalesce(nhs_number, ''), '[^0-9]', '', 'g'), '') AS nhs_number
    FROM raw_people
)
SELECT
    unique_id, agency, record_id, given_name, family_name,
    strftime(dob_date, '%Y-%m-%d') AS date_of_birth,
    sex,
    CASE WHEN length(pc) BETWEEN 5 AND 7
         THEN left(pc, length(pc) - 3) || ' ' || right(pc, 3) END AS postcode,
    CASE WHEN length(pc) BETWEEN 5 AND 7 THEN pc END AS postcode_compact,
    nullif(regexp_extract(addr, '^([0-9]+[A-Z]?)( |$)', 1), '') AS street_number,
    nullif(trim(regexp_replace(regexp_replace(addr, '^[0-9]+[A-Z]?( |$)', ''), ' +', ' ', 'g')), '')
        AS street,
    uprn, nhs_number,
    given_name || '_' || family_name AS full_name,
    -- derived blocking keys
    left(given_name, 1) AS given_initial,
    left(family_name, 3) AS family_prefix,
    year(dob_date) AS birth_year,
    strftime(dob_date, '%m-%d') AS birth_month_day
FROM cleaned;
"""


def address_comparison():
    """UPRN and postcode as one comparison.

    They say the same thing (same address), so two comparisons would count
    one fact twice under Splink's independence assumption and pull whole
    households together.
    """
    import splink.comparison_level_library as cll
    from splink.comparison_library import CustomComparison

    sector = "regexp_extract(postcode_{side}, '^[A-Z]{{1,2}}[0-9][A-Z0-9]? [0-9]')"
    return CustomComparison(
        output_column_name="address",
        comparison_levels=[
            {
                "sql_condition": "(uprn_l IS NULL OR uprn_r IS NULL) "
                "AND (postcode_l IS NULL OR postcode_r IS NULL)",
                "label_for_charts": "UPRN or postcode missing",
                "is_null_level": True,
            },
            cll.ExactMatchLevel("uprn"),
            cll.ExactMatchLevel("postcode"),
            {
                "sql_condition": f"{sector.format(side='l')} = {sector.format(side='r')}",
                "label_for_charts": "Same postcode sector",
            },
            cll.ElseLevel(),
        ],
    )


def synthetic_model(link_type: str):
    """The Splink model for synthetic bundles: settings and its training."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    comparisons = [
        cl.NameComparison("given_name"),  # exact (with term frequencies), Jaro-Winkler levels
        cl.NameComparison("family_name"),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y-%m-%d"),
        cl.ExactMatch("sex"),
        address_comparison(),
        cl.ExactMatch("nhs_number"),
    ]
    # famgraph's blocking keys, plus Splink's usual full-name rule.
    blocking = [
        block_on("nhs_number"),
        block_on("date_of_birth"),
        block_on("family_prefix", "birth_year", "given_initial"),
        block_on("given_name", "birth_month_day"),
        block_on("postcode", "given_initial"),
        block_on("uprn"),
        block_on("given_name", "family_name"),
    ]
    settings = SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )

    def train(linker, seed: int) -> None:
        deterministic = [
            block_on("nhs_number"),
            block_on("given_name", "family_name", "date_of_birth"),
            block_on("uprn", "given_name", "date_of_birth"),
        ]
        linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
        linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=seed)
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("family_name", "given_name"))

    return settings, train


def febrl_model(link_type: str, variant: str = "extended"):
    """The Splink model for FEBRL, after Splink's febrl3 and febrl4 examples,
    on the fields famgraph gets (no soc_sec_id).

    `detailed` is the examples' detailed model: given and family name each by
    `NameComparison`; `extended` (the default: it scored best) is febrl4's
    refined one, the two names as one comparison with levels for names
    swapped, swapped with typos and one name crossed over. Both add what
    the examples compare of the address (street number, postcode with
    Damerau-Levenshtein levels) and the street by Jaro-Winkler: FEBRL draws
    the street apart from the postcode, so it is evidence of its own.
    """
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    reversed_names = "l.given_name = r.family_name AND l.family_name = r.given_name"
    if variant == "detailed":
        names = [
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("family_name").configure(term_frequency_adjustments=True),
        ]
    else:
        swapped = ("jaro_winkler_similarity(given_name_l, family_name_r) "
                   "+ jaro_winkler_similarity(family_name_l, given_name_r)")
        names = [{
            "output_column_name": "full_name",
            "comparison_levels": [
                {
                    "sql_condition": "(given_name_l IS NULL OR given_name_r IS NULL) "
                    "AND (family_name_l IS NULL OR family_name_r IS NULL)",
                    "label_for_charts": "Null",
                    "is_null_level": True,
                },
                cll.ExactMatchLevel("full_name", term_frequency_adjustments=True),
                cll.JaroWinklerLevel("full_name", 0.9),
                cll.JaroWinklerLevel("full_name", 0.7),
                cll.ColumnsReversedLevel("given_name", "family_name"),
                {"sql_condition": f"{swapped} >= 1.8", "label_for_charts": "Swapped, Jaro-Winkler >= 1.8"},
                {"sql_condition": f"{swapped} >= 1.4", "label_for_charts": "Swapped, Jaro-Winkler >= 1.4"},
                cll.ExactMatchLevel("given_name", term_frequency_adjustments=True),
                cll.ExactMatchLevel("family_name", term_frequency_adjustments=True),
                {
                    "sql_condition": "given_name_l = family_name_r OR family_name_l = given_name_r",
                    "label_for_charts": "One name crossed over",
                },
                cll.JaroWinklerLevel("given_name", 0.9),
                cll.JaroWinklerLevel("family_name", 0.9),
                cll.ElseLevel(),
            ],
        }]
    comparisons = [
        *names,
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y-%m-%d",
                                 invalid_dates_as_null=True),
        cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
        cl.JaroWinklerAtThresholds("street", [0.9, 0.7]),
        cl.DamerauLevenshteinAtThresholds("postcode_compact", [1, 2]).configure(
            term_frequency_adjustments=True),
    ]
    blocking = [
        block_on("given_name", "family_name"),
        reversed_names,
        block_on("date_of_birth"),
        block_on("street_number", "street"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )

    def train(linker, seed: int) -> None:
        deterministic = [
            block_on("given_name", "family_name", "date_of_birth"),
            f"{reversed_names} AND l.date_of_birth = r.date_of_birth",
        ]
        linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
        linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=seed)
        for rule in (block_on("date_of_birth"), block_on("postcode")):
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True)

    return settings, train


def cluster(linker, con, predictions, method: str, threshold: float, agencies: list[str]):
    """Cluster Splink's scored pairs with one of its two methods.

    `best-links` is `cluster_using_single_best_links` with every agency
    duplicate-free: a cluster holds at most one record per agency.
    `connected` is `cluster_pairwise_predictions_at_threshold` (connected
    components).
    """
    if method == "connected":
        return linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        )
    # DuckDB 2's join-order optimiser turns the self-join in Splink's
    # one-to-one clustering into a nested loop over all records x all records
    # (it filled 30 GB of temp space at 38,000 records); the query as
    # written is a pair of hash joins, so keep its order while it runs.
    con.execute("SET disabled_optimizers = 'join_order'")
    try:
        return linker.clustering.cluster_using_single_best_links(
            predictions, duplicate_free_datasets=agencies, threshold_match_probability=threshold
        )
    finally:
        con.execute("RESET disabled_optimizers")


def splink_worker(argv: list[str]) -> int:
    """Read people.csv, train and run Splink, write clusters and timings."""
    parser = argparse.ArgumentParser(prog="linkage_vs_splink.py _splink_worker")
    parser.add_argument("--people", required=True)
    parser.add_argument("--profile", choices=["synthetic", "febrl"], required=True)
    parser.add_argument("--link-type", choices=["dedupe_only", "link_only"], required=True)
    parser.add_argument("--febrl-model", choices=["extended", "detailed"], default="extended")
    parser.add_argument("--out", required=True, help="JSON of timings and model facts")
    parser.add_argument("--clusters", required=True, help="CSV prefix for each variant's clusters")
    parser.add_argument("--thresholds", required=True, help="comma-separated match probabilities")
    parser.add_argument("--methods", required=True, help="comma-separated: connected, best-links")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--temp-dir", required=True)
    parser.add_argument("--temp-limit", required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    thresholds = [float(t) for t in args.thresholds.split(",")]
    methods = args.methods.split(",")

    import logging

    import duckdb
    from splink import DuckDBAPI, Linker

    def stage(name: str) -> None:
        print(f"[splink worker] {name}", file=sys.stderr, flush=True)

    timings: dict[str, float] = {}
    t0 = time.monotonic()
    stage("reading and preparing people.csv")
    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    con.execute(f"SET temp_directory = '{args.temp_dir}'")
    con.execute(f"SET max_temp_directory_size = '{args.temp_limit}'")
    con.execute(PREPARE_SQL.format(people=args.people.replace("'", "''")))
    agencies = [row[0] for row in con.execute("SELECT DISTINCT agency FROM people ORDER BY 1").fetchall()]
    db_api = DuckDBAPI(connection=con)
    if args.link_type == "link_only":  # one dataset per agency
        if len(agencies) < 2:
            raise SystemExit(f"link_only needs two or more agencies, found {len(agencies)}")
        for i, agency in enumerate(agencies):
            con.execute(f"CREATE OR REPLACE TABLE people_{i} AS SELECT * FROM people WHERE agency = ?",
                        [agency])
        inputs = [db_api.register(f"people_{i}", dataset_display_name=agency)
                  for i, agency in enumerate(agencies)]
    else:
        inputs = db_api.register("people")
    timings["read_s"] = time.monotonic() - t0

    t1 = time.monotonic()
    stage(f"training ({args.profile}, {args.link_type})")
    if args.profile == "synthetic":
        settings, train = synthetic_model(args.link_type)
    else:
        settings, train = febrl_model(args.link_type, args.febrl_model)
    linker = Linker(inputs, settings, log_level=logging.WARNING)
    train(linker, args.seed)
    timings["train_s"] = time.monotonic() - t1

    t2 = time.monotonic()
    stage("predicting")
    predict_threshold = min(0.5, min(thresholds))
    predictions = linker.inference.predict(threshold_match_probability=predict_threshold)
    timings["predict_s"] = time.monotonic() - t2
    timings["total_s"] = time.monotonic() - t0  # up to the first clustering, added below

    variants = []
    for method in methods:
        for threshold in thresholds:
            stage(f"clustering ({method}, p>={threshold:g})")
            t3 = time.monotonic()
            clusters = cluster(linker, con, predictions, method, threshold, agencies)
            cluster_s = time.monotonic() - t3
            # Outside the timed steps: the clusters, for scoring by the driver.
            path = f"{args.clusters}.{method}-{threshold}.csv"
            con.execute(
                "COPY (SELECT p.agency, p.record_id, c.cluster_id "
                f"FROM {clusters.physical_name} c JOIN people p ON p.unique_id = c.unique_id) "
                f"TO '{path}' (HEADER, DELIMITER ',')"
            )
            clusters.drop_table_from_database_and_remove_from_cache()
            variants.append({
                "method": method,
                "threshold": threshold,
                "clusters_csv": path,
                "cluster_s": cluster_s,
                "link_s": timings["train_s"] + timings["predict_s"] + cluster_s,
                "total_s": timings["total_s"] + cluster_s,
            })

    n_pairs_scored = con.execute(f"SELECT count(*) FROM {predictions.physical_name}").fetchone()[0]
    model = {
        "profile": args.profile if args.profile == "synthetic" else f"febrl ({args.febrl_model})",
        "link_type": args.link_type,
        "probability_two_random_records_match":
            linker._settings_obj._probability_two_random_records_match,  # noqa: SLF001
        "scored_pairs": n_pairs_scored,
        "predict_threshold": predict_threshold,
        "threads": args.threads,
        "splink": __import__("splink").__version__,
        "duckdb": duckdb.__version__,
    }
    result = {"timings": timings, "variants": variants, "model": model}
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    return 0


def recordlinkage_worker(argv: list[str]) -> int:
    """Read people.csv, link with recordlinkage's ECM classifier, write its links.

    As the FEBRL guides of recordlinkage's documentation: candidate pairs by
    blocking, `Compare` giving a binary vector per pair, then the
    unsupervised `ECMClassifier`. The cleaning is the Splink side's (upper
    case, letters only in given names, street number apart from the street).
    """
    parser = argparse.ArgumentParser(prog="linkage_vs_splink.py _recordlinkage_worker")
    parser.add_argument("--people", required=True)
    parser.add_argument("--link-type", choices=["dedupe_only", "link_only"], required=True)
    parser.add_argument("--out", required=True, help="JSON of timings and model facts")
    parser.add_argument("--links", required=True, help="CSV of the predicted links")
    args = parser.parse_args(argv)

    import numpy as np
    import pandas as pd
    import recordlinkage as rl

    def stage(name: str) -> None:
        print(f"[recordlinkage worker] {name}", file=sys.stderr, flush=True)

    timings: dict[str, float] = {}
    t0 = time.monotonic()
    stage("reading and preparing people.csv")
    raw = pd.read_csv(args.people, dtype=str, keep_default_na=False)
    upper = {c: raw[c].str.upper().str.strip() for c in ("given_name", "family_name", "address", "postcode")}
    address = upper["address"].str.replace(r"[^A-Z0-9 ]", " ", regex=True).str.strip()
    people = pd.DataFrame({
        "agency": raw["agency"],
        "given_name": upper["given_name"].str.replace(r"[^A-Z]", "", regex=True),
        "family_name": upper["family_name"].str.replace(r"[^A-Z -]", "", regex=True).str.strip(),
        "date_of_birth": raw["date_of_birth"].str.strip(),
        "street_number": address.str.extract(r"^([0-9]+[A-Z]?)(?: |$)", expand=False),
        "street": address.str.replace(r"^[0-9]+[A-Z]?(?: |$)", "", regex=True)
                         .str.replace(r" +", " ", regex=True).str.strip(),
        "postcode": upper["postcode"].str.replace(r"[^A-Z0-9]", "", regex=True),
    })
    people.index = pd.Index(raw["agency"] + "\t" + raw["record_id"], name="unique_id")
    people = people.replace("", np.nan)  # missing compares as 0 (recordlinkage's default)
    agencies = sorted(people["agency"].unique())
    timings["read_s"] = time.monotonic() - t0

    t1 = time.monotonic()
    stage("indexing")
    blocks = ["given_name", "family_name", "date_of_birth", "postcode"]
    indexer = rl.Index()
    for column in blocks:
        indexer.block(column)
    if args.link_type == "link_only":
        if len(agencies) != 2:
            raise SystemExit(f"link_only needs two agencies, found {len(agencies)}")
        frames = [people[people["agency"] == a] for a in agencies]
    else:
        frames = [people]
    candidates = indexer.index(*frames)
    timings["index_s"] = time.monotonic() - t1

    t2 = time.monotonic()
    stage(f"comparing {len(candidates):,} candidate pairs")
    compare = rl.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85, label="given_name")
    compare.string("family_name", "family_name", method="jarowinkler", threshold=0.85, label="family_name")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("street_number", "street_number", label="street_number")
    compare.string("street", "street", threshold=0.85, label="street")
    compare.exact("postcode", "postcode", label="postcode")
    features = compare.compute(candidates, *frames)
    timings["compare_s"] = time.monotonic() - t2

    t3 = time.monotonic()
    stage("ECM")
    ecm = rl.ECMClassifier()
    links = ecm.fit_predict(features)
    timings["classify_s"] = time.monotonic() - t3
    timings["link_s"] = time.monotonic() - t1
    timings["total_s"] = time.monotonic() - t0

    with open(args.links, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["agency_l", "record_id_l", "agency_r", "record_id_r"])
        for left, right in links:
            writer.writerow([*left.split("\t", 1), *right.split("\t", 1)])
    model = {
        "link_type": args.link_type,
        "blocks": blocks,
        "candidate_pairs": len(candidates),
        "links": len(links),
        "p": float(ecm.p),
        "m_probs": {k: {str(v): float(p) for v, p in d.items()} for k, d in ecm.m_probs.items()},
        "u_probs": {k: {str(v): float(p) for v, p in d.items()} for k, d in ecm.u_probs.items()},
        "recordlinkage": rl.__version__,
        "pandas": pd.__version__,
    }
    Path(args.out).write_text(json.dumps({"timings": timings, "model": model}, indent=2) + "\n")
    return 0


WORKERS = {"_splink_worker": splink_worker, "_recordlinkage_worker": recordlinkage_worker,
           "_febrl_dump": febrl_dump}

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in WORKERS:
        sys.exit(WORKERS[sys.argv[1]](sys.argv[2:]))
    sys.exit(main(sys.argv[1:]))
