#!/usr/bin/env python3
"""Compare famgraph's record linkage with Splink's on the same synthetic bundles.

Run from the repository root, after a release build:

    python3 benches/linkage_vs_splink.py --families 600,10000,100000

For each size it generates a bundle with `famgraph synth` (medium noise),
then runs, each in its own subprocess so that peak memory is per tool:

- famgraph: `famgraph evaluate --format json` (load, link, analyse, score);
- Splink 5 (DuckDB backend) on the same `people.csv`: the usual cleaning
  (case, postcode spacing, sex codes, UPRN and NHS digits), a Fellegi-Sunter
  model (given and family name: exact with term-frequency adjustment and
  Jaro-Winkler levels; date of birth; sex; address as UPRN, then postcode,
  then postcode sector; NHS number), trained as Splink's tutorials do
  (probability two random records match from deterministic rules, u by
  random sampling of 1e7 pairs, m by EM blocked on date of birth and on
  full name), prediction with famgraph's blocking keys plus full name,
  pairs only between agencies (`link_only`, one dataset per agency), and
  clustering at `--splink-threshold` (default 0.9) with
  `--splink-clustering`: `best-links` (default; Splink's
  `cluster_using_single_best_links`, at most one record per agency in a
  person, the constraint famgraph applies), `connected` (connected
  components, `cluster_pairwise_predictions_at_threshold`) or `both`.

Both are scored the same way: pairwise precision, recall and F1 of the
records put together against the generator's truth (famgraph scores
itself; Splink's clusters are scored here, from contingency counts).
It prints a Markdown table with the machine, and `--json OUT` writes
every figure.

Splink runs in a venv (default `$HOME/.cache/famgraph/splink-venv`),
created with `splink==5.0.0` on first use; the driver itself needs only
Python 3.11's standard library. The same file, run by the venv's
python with the hidden `_splink_worker` command, is the Splink side.

Options worth knowing: `--seed`, `--noise`, `--work DIR` (bundles and
logs; default a fresh folder under `$HOME/.cache/famgraph/bench`),
`--famgraph PATH` (default `$CARGO_TARGET_DIR/release/famgraph`, then
`target/release/famgraph`), `--threads` (DuckDB threads for Splink;
default: the machine's cores), `--only famgraph|splink`,
`--splink-threshold 0.5,0.9` (a row per threshold, from one Splink run).
Each Splink run's log is `WORK/<bundle>.splink.stderr`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

SPLINK_VERSION = "5.0.0"
DEFAULT_VENV = Path.home() / ".cache" / "famgraph" / "splink-venv"
DEFAULT_BENCH_ROOT = Path.home() / ".cache" / "famgraph" / "bench"
REPO_ROOT = Path(__file__).resolve().parent.parent


class StepFailed(Exception):
    """A benchmark step failed; the message says which step, at which size."""


# ---------------------------------------------------------------------------
# Driver: subprocesses, measurement, scoring, reporting (standard library only)
# ---------------------------------------------------------------------------


def default_famgraph() -> Path:
    """`$CARGO_TARGET_DIR/release/famgraph`, else `target/release/famgraph`."""
    target = os.environ.get("CARGO_TARGET_DIR")
    if target:
        candidate = Path(target) / "release" / "famgraph"
        if candidate.exists():
            return candidate
    return REPO_ROOT / "target" / "release" / "famgraph"


def run_measured(cmd: list[str], log_prefix: Path, step: str) -> dict:
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
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
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
    """Create the Splink venv if needed; return its python."""
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import splink, duckdb; print(splink.__version__)"]
    if python.exists():
        found = subprocess.run(probe, capture_output=True, text=True)
        if found.returncode == 0 and found.stdout.strip() == SPLINK_VERSION:
            return python
    print(f"setting up {venv} with splink=={SPLINK_VERSION} ...", file=sys.stderr)
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", f"splink=={SPLINK_VERSION}"],
            check=True,
        )
    except subprocess.CalledProcessError as exc:
        raise StepFailed(f"setting up the Splink venv at {venv}: {exc}") from exc
    found = subprocess.run(probe, capture_output=True, text=True)
    if found.returncode != 0 or found.stdout.strip() != SPLINK_VERSION:
        raise StepFailed(
            f"setting up the Splink venv at {venv}: splink {SPLINK_VERSION} still "
            f"not importable ({found.stderr.strip() or found.stdout.strip()})"
        )
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


def run_famgraph(famgraph: Path, bundle: Path, truth: Path, work: Path, families: int) -> dict:
    """`famgraph evaluate --format json` in its own process."""
    step = f"famgraph evaluate at {families} families"
    cmd = [str(famgraph), "evaluate", "--data", str(bundle), "--truth", str(truth), "--format", "json"]
    run = run_measured(cmd, work / f"{bundle.name}.famgraph", step)
    try:
        report = json.loads(run["stdout"])
    except json.JSONDecodeError as exc:
        raise StepFailed(f"{step}: output is not JSON ({exc}): {run['stdout'][:300]!r}") from exc
    timings = report.get("timings") or {}
    return {
        "tool": "famgraph",
        "precision": report["precision"],
        "recall": report["recall"],
        "f1": report["f1"],
        "records": report.get("records"),
        "clusters": report.get("people_found"),
        "people_true": report.get("people_true"),
        "wall_s": run["wall_s"],
        "link_s": timings.get("link_s"),
        "timings": timings,
        "peak_rss_mib": run["peak_rss_mib"],
    }


def run_splink(python: Path, bundle: Path, truth: Path, work: Path, families: int, args) -> list[dict]:
    """The Splink worker in the venv's python; score each clustering here.

    Returns one result per (clustering method, threshold). They share one
    process, so its wall time and peak memory cover all of them; `link_s`
    and `total_s` are per variant (training and prediction plus that
    variant's clustering).
    """
    step = f"Splink at {families} families"
    prefix = work / f"{bundle.name}.splink"
    result_path = prefix.with_name(prefix.name + ".json")
    temp_dir = prefix.with_name(prefix.name + "-duckdb-tmp")
    methods = ["best-links", "connected"] if args.splink_clustering == "both" else [args.splink_clustering]
    cmd = [
        str(python), str(Path(__file__).resolve()), "_splink_worker",
        "--people", str(bundle / "people.csv"),
        "--out", str(result_path), "--clusters", str(prefix.with_name(prefix.name + "-clusters")),
        "--thresholds", ",".join(str(t) for t in args.splink_threshold),
        "--methods", ",".join(methods),
        "--threads", str(args.threads), "--seed", str(args.seed),
        "--temp-dir", str(temp_dir), "--temp-limit", args.splink_temp_limit,
    ]
    run = run_measured(cmd, prefix, step)
    result = json.loads(result_path.read_text())
    truth_ids = read_truth(truth / "records.csv")
    rows = []
    for variant in result["variants"]:
        predicted = read_clusters(Path(variant["clusters_csv"]))
        mismatched = set(truth_ids) ^ set(predicted)
        if mismatched:
            raise StepFailed(
                f"{step}: clusters and truth disagree on {len(mismatched)} records, "
                f"e.g. {sorted(mismatched)[:3]}"
            )
        rows.append({
            "tool": f"Splink {SPLINK_VERSION} ({variant['method']}, p>={variant['threshold']:g})",
            **pairwise_quality(predicted, truth_ids),
            "records": len(predicted),
            "clusters": len(set(predicted.values())),
            "people_true": len(set(truth_ids.values())),
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


def read_truth(path: Path) -> dict[tuple[str, str], str]:
    """(agency, record_id) -> true person."""
    with open(path, newline="") as f:
        return {(r["agency"], r["record_id"]): r["person_id"] for r in csv.DictReader(f)}


def read_clusters(path: Path) -> dict[tuple[str, str], str]:
    """(agency, record_id) -> Splink cluster."""
    with open(path, newline="") as f:
        return {(r["agency"], r["record_id"]): r["cluster_id"] for r in csv.DictReader(f)}


def pairwise_quality(predicted: dict, truth: dict) -> dict:
    """Pairwise precision, recall and F1 from contingency counts.

    A pair is predicted if both records share a cluster, true if both share
    a person. With no predicted pairs precision is 1, with no true pairs
    recall is 1 (the convention of famgraph's `pairwise_quality`).
    """
    def pairs(counts) -> int:
        return sum(n * (n - 1) // 2 for n in counts)

    keys = list(truth)
    predicted_pairs = pairs(Counter(predicted[k] for k in keys).values())
    true_pairs = pairs(Counter(truth[k] for k in keys).values())
    both = pairs(Counter((predicted[k], truth[k]) for k in keys).values())
    precision = both / predicted_pairs if predicted_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision, "recall": recall, "f1": f1,
        "false_positive_pairs": predicted_pairs - both,
        "false_negative_pairs": true_pairs - both,
    }


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


def markdown(results: list[dict], host: dict, args) -> str:
    """The results table, with the machine and what the columns mean."""
    ram = f"{host['ram_gib']:.1f} GiB" if host["ram_gib"] else "unknown"
    lines = [
        f"Machine: {host['cpu']}, {host['cores']} cores, {ram} RAM. "
        f"Seed {args.seed}, noise {args.noise}; Splink with DuckDB threads {args.threads}.",
        "",
        "| families | records | tool | precision | recall | F1 | process s | link s | peak MiB |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if "error" in r:
            reason = r["error"].splitlines()[0].replace("|", "/")[:160]
            lines.append(f"| {r['families']:,} | | {r['tool']} | failed: {reason} | | | | | |")
            continue
        link = f"{r['link_s']:.2f}" if r.get("link_s") is not None else "n/a"
        lines.append(
            f"| {r['families']:,} | {r['records']:,} | {r['tool']} | {r['precision']:.4f} | "
            f"{r['recall']:.4f} | {r['f1']:.4f} | {r['wall_s']:.2f} | {link} | {r['peak_rss_mib']:.0f} |"
        )
    lines += [
        "",
        "- process s: wall time of the whole process. famgraph's `evaluate` reads and "
        "validates the bundle, links, builds households and families and runs the analyses; "
        "Splink's process starts Python, imports Splink, reads and prepares people.csv, "
        "trains, predicts and clusters (every clustering listed for that size, when "
        "there are several).",
        "- link s: famgraph's own `timings.link_s` when it reports one (n/a otherwise); "
        "for Splink, training + prediction + that row's clustering.",
        "- peak MiB: maximum resident set size of the process.",
        "- best-links: `cluster_using_single_best_links` with every agency duplicate-free "
        "(at most one record per agency in a person, as famgraph); connected: "
        "`cluster_pairwise_predictions_at_threshold`.",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", default="600,10000,100000", help="comma-separated sizes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--noise", default="medium")
    parser.add_argument("--work", type=Path, help="folder for bundles and logs")
    parser.add_argument("--famgraph", type=Path, default=default_famgraph())
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--splink-threshold", default="0.9",
                        help="match probability at which Splink's pairs are clustered; "
                        "a comma-separated list gives one row each")
    parser.add_argument("--splink-clustering", choices=["best-links", "connected", "both"],
                        default="best-links",
                        help="best-links: at most one record per agency in a cluster "
                        "(cluster_using_single_best_links); connected: connected components")
    parser.add_argument("--splink-temp-limit", default="8GB",
                        help="cap on DuckDB's spill files for Splink")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", choices=["famgraph", "splink"])
    parser.add_argument("--json", type=Path, help="write all results here")
    args = parser.parse_args(argv)

    try:
        sizes = [int(s.replace("_", "")) for s in args.families.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--families must be comma-separated integers, not {args.families!r}")
    try:
        args.splink_threshold = [float(t) for t in args.splink_threshold.split(",") if t.strip()]
    except ValueError:
        parser.error(f"--splink-threshold must be probabilities, not {args.splink_threshold!r}")
    if not args.splink_threshold or not all(0 < t < 1 for t in args.splink_threshold):
        parser.error("--splink-threshold must be between 0 and 1")
    famgraph = args.famgraph.resolve()
    if not famgraph.is_file():
        parser.error(f"no famgraph binary at {famgraph}; build it or pass --famgraph PATH")
    if args.work is None:
        DEFAULT_BENCH_ROOT.mkdir(parents=True, exist_ok=True)
        args.work = Path(tempfile.mkdtemp(prefix="linkage-vs-splink-", dir=DEFAULT_BENCH_ROOT))
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"work folder: {args.work}", file=sys.stderr)

    python = None
    if args.only != "famgraph":
        try:
            python = ensure_venv(args.venv)
        except StepFailed as exc:
            print(f"FAILED {exc}", file=sys.stderr)
            return 1

    results: list[dict] = []
    failed = False
    for families in sizes:
        try:
            bundle, truth = synth_bundle(famgraph, families, args.seed, args.noise, args.work)
        except StepFailed as exc:
            print(f"FAILED {exc}", file=sys.stderr)
            results.append({"tool": "famgraph synth", "error": str(exc), "families": families})
            failed = True
            continue
        tools = []
        if args.only != "splink":
            tools.append(("famgraph", lambda: [run_famgraph(famgraph, bundle, truth, args.work, families)]))
        if args.only != "famgraph":
            tools.append((f"Splink {SPLINK_VERSION}",
                          lambda: run_splink(python, bundle, truth, args.work, families, args)))
        for tool, run in tools:
            print(f"{families:,} families: running {tool} ...", file=sys.stderr)
            try:
                rows = run()
            except StepFailed as exc:
                print(f"FAILED {exc}", file=sys.stderr)
                rows = [{"tool": tool, "error": str(exc)}]
                failed = True
            except (OSError, KeyError, ValueError) as exc:
                message = f"{tool} at {families} families: {type(exc).__name__}: {exc}"
                print(f"FAILED {message}", file=sys.stderr)
                rows = [{"tool": tool, "error": message}]
                failed = True
            for row in rows:
                row["families"] = families
                results.append(row)
                if "error" not in row:
                    print(f"  {row['tool']}: F1 {row['f1']:.4f}, process {row['wall_s']:.1f} s, "
                          f"{row['peak_rss_mib']:.0f} MiB", file=sys.stderr)

    host = machine()
    print(markdown(results, host, args))
    if args.json:
        payload = {"machine": host, "seed": args.seed, "noise": args.noise,
                   "splink_threshold": args.splink_threshold,
                   "splink_clustering": args.splink_clustering, "threads": args.threads,
                   "work": str(args.work), "results": results}
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 1 if failed else 0


# ---------------------------------------------------------------------------
# Splink worker: runs inside the venv (needs splink and duckdb)
# ---------------------------------------------------------------------------

# The cleaning a Splink user does before linking (Splink compares values as
# given): upper-case names, ISO dates or null, M/F/null sex, postcodes
# re-spaced as "OUT IN", digits-only UPRN (no leading zeros) and NHS number;
# plus the derived columns the blocking rules use.
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
    uprn, nhs_number,
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


def splink_settings():
    """The Splink model: comparisons and prediction blocking rules."""
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
    return SettingsCreator(
        link_type="link_only",  # each agency is one dataset: no pairs within an agency
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def cluster(linker, con, predictions, method: str, threshold: float, agencies: list[str]):
    """Cluster Splink's scored pairs with one of its two methods.

    `best-links` is `cluster_using_single_best_links` with every agency
    duplicate-free: a cluster holds at most one record per agency, the
    constraint famgraph applies too. `connected` is
    `cluster_pairwise_predictions_at_threshold` (connected components).
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
    parser.add_argument("--out", required=True, help="JSON of timings and model facts")
    parser.add_argument("--clusters", required=True, help="CSV prefix for each variant's clusters")
    parser.add_argument("--thresholds", required=True, help="comma-separated match probabilities")
    parser.add_argument("--methods", required=True, help="comma-separated: best-links, connected")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--temp-dir", required=True)
    parser.add_argument("--temp-limit", required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    thresholds = [float(t) for t in args.thresholds.split(",")]
    methods = args.methods.split(",")

    import logging

    import duckdb
    from splink import DuckDBAPI, Linker, block_on

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
    for i, agency in enumerate(agencies):
        con.execute(f"CREATE OR REPLACE TABLE people_{i} AS SELECT * FROM people WHERE agency = ?", [agency])
    db_api = DuckDBAPI(connection=con)
    inputs = [db_api.register(f"people_{i}", dataset_display_name=agency) for i, agency in enumerate(agencies)]
    timings["read_s"] = time.monotonic() - t0

    t1 = time.monotonic()
    stage("training")
    linker = Linker(inputs, splink_settings(), log_level=logging.WARNING)
    deterministic = [
        block_on("nhs_number"),
        block_on("given_name", "family_name", "date_of_birth"),
        block_on("uprn", "given_name", "date_of_birth"),
    ]
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=args.seed)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("family_name", "given_name"))
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

    n_pairs = con.execute(f"SELECT count(*) FROM {predictions.physical_name}").fetchone()[0]
    model = {
        "probability_two_random_records_match":
            linker._settings_obj._probability_two_random_records_match,  # noqa: SLF001
        "scored_pairs": n_pairs,
        "predict_threshold": predict_threshold,
        "threads": args.threads,
        "splink": __import__("splink").__version__,
        "duckdb": duckdb.__version__,
    }
    result = {"timings": timings, "variants": variants, "model": model}
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_splink_worker":
        sys.exit(splink_worker(sys.argv[2:]))
    sys.exit(main(sys.argv[1:]))
