# Copyright 2026 The nova-cca Authors
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Benchmarks of nova-cca against real Placement and the simulated cloud.

    python -m benchmarks.placement_scale   GET /allocation_candidates at scale
    python -m benchmarks.provider_shape    the benchmark's providers == ours
    python -m benchmarks.end_to_end        boots, periodic update, memory

See docs/benchmarks.md.
"""
