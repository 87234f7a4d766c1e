"""What a test can do with a submission besides calling it with data: pass functions,
read attributes of its objects, build known-good models and limit its own time."""

from __future__ import annotations

import time

import pytest
import torch

from autograder.config import Limits
from autograder_worker import codec
from autograder.runner.errors import BadResult, CallTimeout, StudentException
from autograder.runner.handle import RemoteObject, RemoteSubmission
from autograder_worker.layers import build_layers, known_model, plain_layers
from autograder.runner.local import LocalSubmission

from conftest import module_source

CODE = '''
import torch
from torch import nn


def descend(df, x0, lr, steps):
    x = x0
    for _ in range(steps):
        x = x - lr * df(x)
    return x


def call_with_tensor(f):
    return f(torch.tensor([1.0, 2.0]), scale=3)


TOLD = []


def swallow(f):
    try:
        f(1.0)
    except RuntimeError as exc:
        TOLD.append(str(exc))


def told():
    return TOLD


def forever(f):
    while True:
        f(0.0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = nn.Linear(2, 3)
        self.scale = 2.5

    def forward(self, x):
        return self.linear1(x) * self.scale


def train_step(model, x):
    model(x).sum().backward()
    return [p.grad.abs().sum().item() for p in model.parameters()]


def sabotage():
    nn.Linear = None
'''


@pytest.fixture(scope="module")
def remote():
    with RemoteSubmission(module_source(CODE, "m.py"), "m", Limits(call_timeout_s=5), ("descend", "train_step")) as submission:
        yield submission


def test_a_function_passed_as_argument_is_called_back_and_its_calls_can_be_counted(remote):
    seen: list[float] = []

    def df(x: float) -> float:
        seen.append(x)
        return 2 * (x - 3)

    assert remote.descend(df, 0.0, 0.25, 4) == pytest.approx(3 - 3 / 16)
    assert seen == pytest.approx([0.0, 1.5, 2.25, 2.625])


def test_callback_arguments_and_results_cross_as_plain_data(remote):
    got = remote.call_with_tensor(lambda t, scale: t * scale)
    assert torch.equal(got, torch.tensor([3.0, 6.0]))


def test_a_failing_callback_is_raised_in_the_test_and_its_message_never_reaches_the_worker(remote):
    def secret(x: float) -> float:
        raise KeyError("expected value 42")

    with pytest.raises(KeyError, match="expected value 42"):
        remote.swallow(secret)
    assert remote.told() == ["the test's function raised KeyError when your code called it"]


def test_a_loop_that_keeps_calling_back_is_stopped_at_the_tests_time_limit(remote):
    started = time.monotonic()
    with remote.time_limit(1.0), pytest.raises(CallTimeout, match="within 1 s"):
        remote.forever(lambda x: 1.0)
    assert time.monotonic() - started < 4
    assert remote.descend(lambda x: x, 1.0, 0.5, 1) == 0.5


def test_attributes_of_remote_objects_are_values_or_further_handles(remote):
    net = remote.Net()
    assert net.training is True and net.scale == 2.5
    layer = net.linear1
    assert isinstance(layer, RemoteObject) and repr(layer) == "<Net.linear1 in the worker>"
    assert (layer.in_features, layer.out_features) == (2, 3)
    weight = net.linear1.weight
    assert isinstance(weight, torch.Tensor) and weight.shape == (3, 2) and weight.requires_grad
    net.eval()
    assert net.training is False and net.linear1.training is False
    state = net.state_dict()
    assert torch.equal(state["linear1.weight"], weight.detach())


def test_a_missing_attribute_is_the_students_attribute_error(remote):
    with pytest.raises(StudentException, match="AttributeError.*linear2"):
        remote.Net().linear2


def test_known_model_is_built_in_the_worker_from_torchs_layers_with_the_given_weights(remote):
    layers = [("Linear", 2, 4), ("ReLU",), ("Dropout", 0.5), ("Linear", 4, 2)]
    local = build_layers(layers, seed=3)
    model = known_model(remote, layers, local.state_dict())
    local.eval(), model.eval()
    x = torch.randn(5, 2, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(model(x), local(x))
    assert remote.train_step(model, x) == pytest.approx([p.grad.abs().sum().item() for p in _grads(local, x)])


def _grads(model: torch.nn.Module, x: torch.Tensor) -> list[torch.nn.Parameter]:
    model(x).sum().backward()
    return list(model.parameters())


def test_known_model_does_not_use_what_the_submission_replaced_in_torch():
    with RemoteSubmission(module_source(CODE, "m.py"), "m", Limits(call_timeout_s=5)) as submission:
        submission.sabotage()
        model = known_model(submission, [("Linear", 2, 1)], build_layers([("Linear", 2, 1)], seed=0).state_dict())
        assert model(torch.ones(1, 2)).shape == (1, 1)


@pytest.mark.parametrize(
    "layers, message",
    [
        ([("Conv2d", 1, 1, 3)], "unknown layer 'Conv2d'"),
        ([("Linear", "2", 3)], "must be numbers"),
        (["ReLU"], r"a layer is a list \[name, \*arguments\]"),
    ],
)
def test_layer_descriptions_are_checked_before_they_cross(layers, message):
    with pytest.raises(ValueError, match=message):
        plain_layers(layers)


def test_local_submissions_offer_the_same_api():
    local = LocalSubmission({"apply": lambda f, x: f(x)}, "m")
    assert local.apply(lambda x: x + 1, 1) == 2
    model = local.known_model(plain_layers([("Linear", 2, 2)]), None)
    assert isinstance(model, torch.nn.Sequential)
    assert local.gpu() is None or local.gpu().type == "cuda"


def test_a_worker_without_a_gpu_gives_meta_device_tests(remote, monkeypatch):
    remote._cuda = 0
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert remote.gpu() is None


def test_the_worker_may_not_send_callbacks_to_the_grader(remote):
    worker = remote._ensure_worker()
    with pytest.raises(ValueError, match="callback"):
        codec.decode({codec.TAG: "callback", "id": 0}, [], remote._handle_in(worker, ""))


def test_a_callback_request_for_a_function_never_passed_is_refused(remote):
    from autograder.runner.handle import Callbacks

    callbacks = Callbacks()
    callbacks.add(lambda: 1)
    with pytest.raises(BadResult, match="could not be read"):
        callbacks.answer({"status": "callback", "id": 5}, [], lambda tree: tree, lambda value: {})


def test_time_limit_is_restored_after_the_block(remote):
    with remote.time_limit(0.5):
        assert remote._call_timeout == 0.5
    assert remote._call_timeout is None


AUTOGRAD = '''
import torch


def builds_a_graph(x):
    w = torch.nn.Parameter(x.clone())
    return (w * 2).detach()


def runs_backward(x):
    w = x.clone().requires_grad_()
    (w * w).sum().backward()
    return w.grad


def plain(x):
    with torch.no_grad():
        return x * 2
'''


def test_the_worker_records_autograd_use_as_a_second_line_behind_the_static_check():
    names = ("builds_a_graph", "runs_backward", "plain")
    with RemoteSubmission(module_source(AUTOGRAD, "m.py"), "m", Limits(call_timeout_s=5), names) as submission:
        x = torch.ones(3)
        for name in names:
            getattr(submission, name)(x)
        ops = submission.dispatched
    assert "torch.autograd.graph" in ops["builds_a_graph"] and "torch.autograd.backward" not in ops["builds_a_graph"]
    assert {"torch.autograd.graph", "torch.autograd.backward"} <= ops["runs_backward"]
    assert not {op for op in ops.get("plain", ()) if op.startswith("torch.autograd")}


def test_reading_the_load_report_after_a_timeout_does_not_start_another_worker(remote):
    remote.descend(lambda x: x, 1.0, 0.5, 1)
    with remote.time_limit(0.5), pytest.raises(CallTimeout):
        remote.forever(lambda x: 1.0)
    started = remote._generation
    assert remote.load_report().errors == ()
    assert remote._generation == started and remote._worker is None


def test_a_hook_the_test_registers_fires_when_student_code_calls_the_model_later(remote):
    layers = [("Linear", 2, 3)]
    model = known_model(remote, layers, build_layers(layers, seed=0).state_dict())
    outputs: list[bool] = []
    model.register_forward_hook(lambda module, inputs, output: outputs.append(output.requires_grad))
    remote.train_step(model, torch.ones(4, 2))
    model(torch.ones(1, 2))
    assert outputs == [True, True]


def test_a_callback_may_call_into_the_worker_while_it_runs(remote):
    layers = [("Linear", 2, 3), ("Dropout", 0.5)]
    model = known_model(remote, layers, build_layers(layers, seed=0).state_dict())
    modes: list[bool] = []
    model.register_forward_hook(lambda module, inputs, output: modes.append(module.training))
    remote.train_step(model, torch.ones(4, 2))
    model.eval()
    model(torch.ones(1, 2))
    assert modes == [True, False]


def test_what_torch_loads_on_first_use_is_loaded_before_any_student_code(remote):
    """An optimizer's first step imports the compiler stack, and the first meta tensor the meta
    kernels: seconds that must never count against a student's time limits."""
    import_check = "import sys\nLOADED = {'torch._dynamo', 'torch._meta_registrations'} <= set(sys.modules)\ndef loaded():\n    return LOADED\n"
    with RemoteSubmission(module_source(import_check, "m.py"), "m", Limits(call_timeout_s=5), ("loaded",)) as submission:
        assert submission.loaded() is True
