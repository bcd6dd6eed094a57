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

"""Nova's own tests, plain and with nova-cca active (``tools/nova-tests``).

* :mod:`nova_suite.plugin`: the pytest plugin both runs load (Nova's
  environment, the selection, activation in every worker, the results);
* :mod:`nova_suite.__main__`: runs the two and compares them.
"""
