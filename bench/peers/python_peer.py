"""The Python peers of `npm run bench` (bench/cases.ts has our side of the same cases).

Usage: python3 bench/peers/python_peer.py SPEC_JSON  ->  one JSON line {times_ms, info} on stdout.
matmul and eigh: numpy on OpenBLAS/LAPACK, 1 thread. ntk and train: Debian's PyTorch on the CPU,
2 threads (torch.set_num_threads(2) and threadpoolctl, OMP_WAIT_POLICY=PASSIVE so that libgomp's
spin-waits do not steal the cores); ntk is functorch's Jacobian contraction.
"""
import gzip
import json
import os
import sys
import time

# Before numpy/torch load OpenBLAS and libgomp: let OpenBLAS detect the CPU itself, no busy waits.
os.environ.pop("OPENBLAS_CORETYPE", None)
os.environ.pop("OPENBLAS_L2_SIZE", None)
os.environ["OMP_WAIT_POLICY"] = "PASSIVE"

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402


def time_runs(spec, warmup, run):
    """Warm-up once, then up to spec['repeats'] timed runs (at least spec['minRuns'], fewer once budgetS is spent)."""
    warmup()
    times = []
    start = time.perf_counter()
    while len(times) < spec["repeats"] and (len(times) < spec["minRuns"] or time.perf_counter() - start < spec["budgetS"]):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def blas_info():
    libs = [f"{p.get('internal_api')} {p.get('version')} {p.get('architecture', '')}".strip() for p in threadpool_info()]
    return ", ".join(sorted(set(libs)))


def fashion_mnist(data_dir, n):
    """The first n training images as float32 [n, 1, 28, 28] (pixels/255) and their labels (int64)."""
    with gzip.open(os.path.join(data_dir, "train-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16)[: n * 784]
    with gzip.open(os.path.join(data_dir, "train-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)[:n]
    return (images.astype(np.float32) / 255).reshape(n, 1, 28, 28), labels.astype(np.int64)


def matmul_case(spec):
    rng = np.random.default_rng(1)
    a = rng.uniform(-1, 1, (spec["m"], spec["k"])).astype(np.float32)
    b = rng.uniform(-1, 1, (spec["k"], spec["n"])).astype(np.float32)

    def products():
        for _ in range(spec["inner"]):
            a @ b

    with threadpool_limits(1):
        times = time_runs(spec, products, products)
    return times, {"inner": spec["inner"], "threads": 1, "blas": blas_info()}


def eigh_case(spec):
    n = spec["n"]
    u = np.random.default_rng(n).uniform(-1, 1, (n, n))
    a = np.tril(u) + np.tril(u, -1).T
    warm = a[:100, :100].copy()
    solve = np.linalg.eigh if spec["vectors"] else np.linalg.eigvalsh
    with threadpool_limits(1):
        times = time_runs(spec, lambda: solve(warm), lambda: solve(a))
    return times, {"solver": f"numpy.linalg.{solve.__name__} (LAPACK syevd)", "threads": 1, "blas": blas_info()}


def torch_model(torch, which):
    nn = torch.nn
    torch.manual_seed(1)
    if which == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    return nn.Sequential(
        nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(800, 10),
    )


def import_torch():
    import torch

    torch.set_num_threads(2)
    return torch


def ntk_case(spec):
    torch = import_torch()
    from functorch import jacrev, make_functional, vmap

    model = torch_model(torch, spec["model"])
    fnet, params = make_functional(model)
    images, _ = fashion_mnist(spec["data"], spec["probes"])
    x = torch.from_numpy(images)

    def trace_ntk(xs):
        # Per-sample Jacobians (one pass, K(X, X) needs one), then per parameter tensor the
        # contraction over its entries, summed; the trace kernel is the mean over the 10 logits.
        jac = vmap(jacrev(lambda p, s: fnet(p, s.unsqueeze(0)).squeeze(0)), (None, 0))(params, xs)
        k = sum(torch.einsum("naf,maf->nm", j.flatten(2), j.flatten(2)) for j in jac)
        return k / 10

    result = {}

    def run():
        result["k"] = trace_ntk(x)

    with threadpool_limits(2):
        times = time_runs(spec, lambda: trace_ntk(x[: min(spec["probes"], 20)]), run)
    parameters = sum(p.numel() for p in params)
    mean_diagonal = float(torch.diagonal(result["k"]).mean())
    return times, {"parameters": parameters, "implementation": "functorch vmap(jacrev) + einsum", "threads": 2,
                   "torch": torch.__version__, "mean_diagonal": float(f"{mean_diagonal:.4g}")}


def train_case(spec):
    torch = import_torch()
    functional = torch.nn.functional
    model = torch_model(torch, spec["model"])
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    batch, steps, eps = spec["batch"], spec["steps"], spec["eps"]
    images, labels = fashion_mnist(spec["data"], steps * batch)
    xs, ys = torch.from_numpy(images), torch.from_numpy(labels)

    def attack(x, y):
        """FGSM-RS (uniform start, step 1.25 eps) or PGD-k (uniform start, k steps of eps/4), l-inf, in [0, 1]."""
        if spec["method"] == "standard":
            return x
        iterations, alpha = (1, 1.25 * eps) if spec["method"] == "fgsm-rs" else (spec["pgdSteps"], 0.25 * eps)
        delta = torch.empty_like(x).uniform_(-eps, eps)
        for _ in range(iterations):
            delta.requires_grad_(True)
            loss = functional.cross_entropy(model((x + delta).clamp(0, 1)), y)
            (grad,) = torch.autograd.grad(loss, delta)
            delta = (delta.detach() + alpha * grad.sign()).clamp(-eps, eps)
        return (x + delta).clamp(0, 1).detach()

    def epoch(n_steps):
        order = torch.randperm(n_steps * batch)
        for k in range(n_steps):
            idx = order[k * batch:(k + 1) * batch]
            x_adv = attack(xs[idx], ys[idx])
            opt.zero_grad()
            loss = functional.cross_entropy(model(x_adv), ys[idx])
            loss.backward()
            opt.step()
        return float(loss)

    torch.manual_seed(2)
    with threadpool_limits(2):
        times = time_runs(spec, lambda: epoch(1), lambda: epoch(steps))
    parameters = sum(p.numel() for p in model.parameters())
    return times, {"parameters": parameters, "images_per_run": steps * batch, "threads": 2, "torch": torch.__version__}


CASES = {"matmul": matmul_case, "eigh": eigh_case, "ntk": ntk_case, "train": train_case}

if __name__ == "__main__":
    case = json.loads(sys.argv[1])
    times_ms, info = CASES[case["kind"]](case)
    print(json.dumps({"times_ms": times_ms, "info": info}))
