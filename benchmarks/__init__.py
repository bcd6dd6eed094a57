"""Benchmarks of nova-cca against real Placement and the simulated cloud.

    python -m benchmarks.placement_scale   GET /allocation_candidates at scale
    python -m benchmarks.provider_shape    the benchmark's providers == ours
    python -m benchmarks.end_to_end        boots, periodic update, memory

See docs/benchmarks.md.
"""
