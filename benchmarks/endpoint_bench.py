"""Benchmark of local endpoints: readiness, memory per deployment, router overhead.

Prints, from one run:

- the fork host's cold start (imports MLflow, scikit-learn, pandas once);
- time from "create deployment" to the first successful ``/invocations`` answer, for the
  endpoint's first deployment and for each added deployment (model download included, since
  every deployment serves another version) — goal ≤ 5 s;
- memory of each deployment process after warm-up traffic: USS (what killing it frees, i.e.
  what it added), PSS and RSS, plus the growth of all serving processes' summed PSS per added
  deployment — goal ≤ 150 MB per added deployment;
- the router's added latency: p50/p99 of requests through the router minus the same requests
  sent straight to the deployment (keep-alive clients on both paths, alternating batches, data
  collection on) — goal ≤ 1 ms at p50;
- with ``--subprocess``: the same readiness and memory for deployments started as fresh
  interpreters (the portable fallback), for comparison;
- with ``--mlflow-serve``: ``mlflow models serve`` readiness and memory, for comparison.

Not a test: it asserts nothing. It builds the demo in a temporary app home (about 25 s)
unless ``--home`` names one that has it.

    /work/venv/bin/python benchmarks/endpoint_bench.py [--deployments 4] [--requests 2000]
        [--home DIR] [--subprocess] [--mlflow-serve]
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

if TYPE_CHECKING:
    from mlops_desktop.serving.entities import Endpoint
    from mlops_desktop.serving.manager import EndpointManager

MB = 1024 * 1024


def first_success(port: int, body: bytes, deployment: str | None, timeout: float = 60.0) -> None:
    """Poll ``/invocations`` until it answers 200."""
    headers = {"Content-Type": "application/json"}
    if deployment:
        headers["azureml-model-deployment"] = deployment
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("POST", "/invocations", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status == 200:
                return
        except OSError:
            pass
        time.sleep(0.01)
    raise TimeoutError(f"port {port} gave no successful answer in {timeout} s")


def memory(pid: int) -> dict[str, float]:
    """RSS, USS and PSS of one process, in MB."""
    info = psutil.Process(pid).memory_full_info()
    return {"rss": info.rss / MB, "uss": info.uss / MB, "pss": getattr(info, "pss", 0.0) / MB}


def timed_requests(
    port: int, body: bytes, count: int, deployment: str | None = None
) -> list[float]:
    """Latencies (ms) of ``count`` sequential requests over one keep-alive connection."""
    headers = {"Content-Type": "application/json"}
    if deployment:
        headers["azureml-model-deployment"] = deployment
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        conn.request("POST", "/invocations", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append((time.perf_counter() - started) * 1000.0)
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")
    conn.close()
    return latencies


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of ``values``."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def serving_pss(pids: list[int]) -> float:
    """Summed PSS (MB) of the given processes."""
    return sum(memory(pid)["pss"] for pid in pids)


def goal(ok: bool) -> str:
    """PASS/MISS marker."""
    return "PASS" if ok else "MISS"


def ensure_demo(home: Path) -> None:
    """Build the demo in ``home`` unless it is there."""
    os.environ["MLOPS_DESKTOP_HOME"] = str(home)
    from mlops_desktop.core.environment import prepare_process_environment
    from mlops_desktop.demo import create_demo

    prepare_process_environment(None)
    started = time.monotonic()
    summary = create_demo()
    verb = "found" if summary.already_present else "built"
    print(f"demo {verb} in {time.monotonic() - started:.1f} s ({home})")


@dataclass
class LauncherResult:
    """What one launcher's run measured."""

    endpoint: Endpoint
    body: bytes
    ready: list[tuple[str, float]]
    memory: dict[str, dict[str, float]]
    pss_totals: list[float]
    host: dict[str, float] | None = None
    router: dict[str, float] | None = None


def bench_launcher(
    label: str, manager: EndpointManager, versions: list[str], warmup: int
) -> LauncherResult:
    """Create an endpoint, add deployments, measure readiness and memory."""
    from mlops_desktop.demo import DEMO_MODEL
    from mlops_desktop.serving.model_cache import input_example

    name = f"bench-{label}"
    ready: list[tuple[str, float]] = []
    started = time.perf_counter()
    endpoint = manager.create_endpoint(name, model=DEMO_MODEL, version=versions[0])
    body = input_example(endpoint.deployments[0].model_dir)
    first_success(endpoint.port, body, None)
    ready.append(("blue (create endpoint)", time.perf_counter() - started))
    router_pid = endpoint.router_pid
    pss_totals = []
    host_pid = _host_pid(manager)
    base_pids = [p for p in (host_pid, router_pid) if p]
    names = ["blue"]
    timed_requests(endpoint.port, body, warmup, "blue")
    pss_totals.append(serving_pss(base_pids + _deployment_pids(manager, name)))
    for n, version in enumerate(versions[1:], start=2):
        deployment = f"d{n}"
        started = time.perf_counter()
        manager.add_deployment(name, deployment, model=DEMO_MODEL, version=version)
        first_success(endpoint.port, body, deployment)
        ready.append((f"{deployment} (add, v{version})", time.perf_counter() - started))
        names.append(deployment)
        timed_requests(endpoint.port, body, warmup, deployment)
        pss_totals.append(serving_pss(base_pids + _deployment_pids(manager, name)))
    current = manager.get_endpoint(name)
    return LauncherResult(
        endpoint=current,
        body=body,
        ready=ready,
        memory={d.name: memory(d.pid) for d in current.deployments if d.pid},
        pss_totals=pss_totals,
        host=memory(host_pid) if host_pid else None,
        router=memory(router_pid) if router_pid else None,
    )


def _host_pid(manager: EndpointManager) -> int | None:
    info = getattr(manager.launcher, "host_info", lambda: None)()
    return int(info["pid"]) if info else None


def _deployment_pids(manager: EndpointManager, name: str) -> list[int]:
    return [d.pid for d in manager.get_endpoint(name, probe=False).deployments if d.pid]


def report_launcher(label: str, result: LauncherResult) -> None:
    """Print readiness and memory figures of one launcher."""
    print(f"\n== deployments started by the {label} launcher ==")
    ready = result.ready
    for what, seconds in ready:
        print(f"  create -> first 200 /invocations  {what:<24} {seconds:6.2f} s")
    added = [s for _, s in ready[1:]] or [s for _, s in ready]
    print(
        f"  ready time, added deployments: median {statistics.median(added):.2f} s, "
        f"max {max(added):.2f} s   [goal <= 5 s: {goal(max(added) <= 5.0)}]"
    )
    mem = result.memory
    print("  memory per deployment process after warm-up (MB):")
    for name, m in mem.items():
        print(f"    {name:<6} RSS {m['rss']:6.1f}   USS {m['uss']:6.1f}   PSS {m['pss']:6.1f}")
    uss = [m["uss"] for m in mem.values()]
    rss = [m["rss"] for m in mem.values()]
    totals = result.pss_totals
    growth = (totals[-1] - totals[0]) / (len(totals) - 1) if len(totals) > 1 else float("nan")
    print(
        f"  added per deployment: USS mean {statistics.mean(uss):.1f} MB, summed-PSS growth "
        f"{growth:.1f} MB, RSS mean {statistics.mean(rss):.1f} MB   "
        f"[goal <= 150 MB: {goal(max(statistics.mean(uss), growth) <= 150)}]"
    )
    for role, figures in (("host", result.host), ("router", result.router)):
        if figures:
            print(
                f"  {role:<6} (once per {'app' if role == 'host' else 'endpoint'}): "
                f"RSS {figures['rss']:.1f}  USS {figures['uss']:.1f}  PSS {figures['pss']:.1f} MB"
            )


def bench_router(result: LauncherResult, requests: int) -> None:
    """Router overhead: routed vs direct requests to the same deployment, alternating."""
    endpoint, body = result.endpoint, result.body
    port = endpoint.deployment("blue").port
    assert port is not None
    direct: list[float] = []
    routed: list[float] = []
    timed_requests(port, body, 200)
    timed_requests(endpoint.port, body, 200, "blue")
    batch = 100
    for _ in range(max(1, requests // batch)):
        direct.extend(timed_requests(port, body, batch))
        routed.extend(timed_requests(endpoint.port, body, batch, "blue"))
    d50, d99 = percentile(direct, 0.5), percentile(direct, 0.99)
    r50, r99 = percentile(routed, 0.5), percentile(routed, 0.99)
    print(f"\n== router overhead ({len(routed)} requests each way, keep-alive, collection on) ==")
    print(f"  direct to deployment   p50 {d50:6.3f} ms   p99 {d99:6.3f} ms")
    print(f"  through the router     p50 {r50:6.3f} ms   p99 {r99:6.3f} ms")
    print(
        f"  added by the router    p50 {r50 - d50:6.3f} ms   p99 {r99 - d99:6.3f} ms   "
        f"[goal p50 <= 1 ms: {goal(r50 - d50 <= 1.0)}]"
    )


def bench_mlflow_serve(model_dir: Path) -> None:
    """``mlflow models serve`` for comparison: readiness and memory of its process tree."""
    from mlops_desktop.serving.http_client import free_port
    from mlops_desktop.serving.model_cache import input_example

    port = free_port()
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    command = [sys.executable, "-m", "mlflow", "models", "serve", "-m", str(model_dir)]
    command += ["--env-manager", "local", "-h", "127.0.0.1", "-p", str(port)]
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        first_success(port, input_example(model_dir), None, timeout=120)
        seconds = time.perf_counter() - started
        tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
        rss = sum(p.memory_info().rss for p in tree) / MB
        uss = sum(p.memory_full_info().uss for p in tree) / MB
        print("\n== mlflow models serve (comparison) ==")
        print(f"  ready {seconds:.2f} s, process tree RSS {rss:.1f} MB, USS {uss:.1f} MB")
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> int:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deployments", type=int, default=4, help="deployments (1-4)")
    parser.add_argument("--requests", type=int, default=2000, help="router latency samples")
    parser.add_argument("--warmup", type=int, default=200, help="requests per deployment")
    parser.add_argument("--home", type=Path, help="app home with the demo (default: temporary)")
    parser.add_argument("--subprocess", action="store_true", help="also the fallback launcher")
    parser.add_argument("--mlflow-serve", action="store_true", help="also mlflow models serve")
    args = parser.parse_args()

    scratch = tempfile.TemporaryDirectory(prefix="endpoint-bench-")
    home = args.home or Path(scratch.name) / "home"
    ensure_demo(home)
    from mlops_desktop.core.config import load_config
    from mlops_desktop.serving.launchers import ForkLauncher, SubprocessLauncher
    from mlops_desktop.serving.manager import EndpointManager

    workspace = load_config().workspace("dev")  # dev holds versions 1-4
    versions = [str(v) for v in range(1, min(4, max(1, args.deployments)) + 1)]
    host_dir = Path(scratch.name) / "host"
    fork = ForkLauncher(host_dir)
    managers = []
    try:
        started = time.perf_counter()
        fork.ensure_host()
        cold = time.perf_counter() - started
        print(f"fork host cold start (imports once per app session): {cold:.2f} s")
        manager = EndpointManager(workspace, root=Path(scratch.name) / "ep", launcher=fork)
        managers.append(manager)
        result = bench_launcher("fork", manager, versions, args.warmup)
        report_launcher("fork", result)
        bench_router(result, args.requests)
        if args.subprocess:
            fallback = EndpointManager(
                workspace, root=Path(scratch.name) / "ep-sub", launcher=SubprocessLauncher()
            )
            managers.append(fallback)
            report_launcher("subprocess", bench_launcher("sub", fallback, versions, args.warmup))
        if args.mlflow_serve:
            bench_mlflow_serve(result.endpoint.deployments[0].model_dir)
    finally:
        for manager in managers:
            for endpoint in manager.list_endpoints(probe=False):
                manager.delete_endpoint(endpoint.name)
        fork.stop_host()
        scratch.cleanup()
    python = sys.version.split()[0]
    print(f"\nmachine: {os.cpu_count()} CPUs, Python {python}; served versions {versions}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
