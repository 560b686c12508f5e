"""deploy/gunicorn.conf.py unchanged, plus the in-worker sampler (benchmarks/sampler.py) when
BENCH_SAMPLER_DIR is set: used by `python -m benchmarks.run --profile` only."""

import os
import runpy

_deploy = runpy.run_path(
    os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "deploy", "gunicorn.conf.py")
)
globals().update({k: v for k, v in _deploy.items() if not k.startswith("__")})
_deploy_post_worker_init = _deploy["post_worker_init"]


def post_worker_init(worker):
    _deploy_post_worker_init(worker)
    directory = os.environ.get("BENCH_SAMPLER_DIR")
    if directory:
        from benchmarks import sampler

        sampler.start(directory, trace_memory=os.environ.get("BENCH_TRACEMALLOC") == "1")
