"""CPU-vs-CUDA behaviour, where a GPU is present; reported as skipped elsewhere.

The device logic itself is tested without a GPU in test_devices.py; these
tests run the real thing: tensors on the GPU through the worker, and the
assignment's device tests with CUDA inputs.
"""

import pytest
import torch

from autograder.checks.devices import same_device, second_device
from autograder.config import Limits
from autograder.grading.grade import grade_source, suite_dirs
from autograder.intake.discover import read_entry
from autograder.runner.handle import RemoteSubmission

from conftest import module_source

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device: GPU checks need a machine with a GPU")


def test_cuda_tensors_cross_the_boundary_on_their_device():
    with RemoteSubmission(module_source("def double(x):\n    return x * 2\n"), "m", Limits()) as remote:
        got = remote.double(torch.ones(3, device="cuda"))
    assert same_device(got.device, "cuda") and torch.equal(got.cpu(), torch.full((3,), 2.0))


def test_reference_passes_the_device_tests_on_cuda(classification, reference_module):
    source = read_entry(classification.samples_dir / "correct_module.py", classification.module)
    result = grade_source(classification, source, suite_dirs(classification, include_hidden=True), reference_module)
    device_tests = [t for t in result.tests if "device" in t.title]
    assert device_tests and all(t.passed for t in device_tests)
    assert result.skipped == () and result.score == result.max_score == 36


def test_fixed_device_sample_fails_on_cuda(classification, reference_module):
    source = read_entry(classification.samples_dir / "cross_entropy_fixed_device.py", classification.module)
    result = grade_source(classification, source, suite_dirs(classification, include_hidden=True), reference_module)
    assert {e.exercise for e in result.by_exercise() if e.score < e.max_score} == {"cross_entropy"}


def test_the_second_device_is_the_current_gpu_by_its_full_name():
    assert second_device() == torch.device("cuda", torch.cuda.current_device())
    assert same_device(torch.ones(1, device="cuda").device, "cuda")
