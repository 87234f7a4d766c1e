"""A real student's notebook, with experiments and comparisons around honest exercises, is not gated."""

import json

from autograder.checks.static import StaticChecker
from autograder.intake.notebook import notebook_chunks

CELLS = [
    "%matplotlib inline\n!pip install torch --quiet\nimport torch\nimport torch.nn.functional as F\nfrom torch import nn\nimport numpy as np\nimport matplotlib.pyplot as plt",
    "EPS = 1e-12\nDEVICE = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\nhistory = []\nconfig = {'lr': 0.1, 'epochs': 3}",
    "def _shift(z, dim):\n    return z - z.amax(dim=dim, keepdim=True)\n\n"
    "def softmax(logits, dim=-1):\n    e = torch.exp(_shift(logits, dim))\n    return e / e.sum(dim=dim, keepdim=True).clamp_min(EPS)",
    "x = torch.randn(4, 5)\nprint(torch.allclose(softmax(x), torch.softmax(x, dim=-1)))\n"
    "torch.testing.assert_close(softmax(x, 0), F.softmax(x, dim=0))\nsoftmax?\n%timeit softmax(x)",
    "for name, fn in [('mine', softmax), ('torch', torch.softmax)]:\n    print(f'{name}: {fn(x, 1).sum(1)}')",
    "def cross_entropy(logits, targets):\n    z = _shift(logits, 1)\n    log_probs = z - z.exp().sum(dim=1, keepdim=True).log()\n"
    "    if targets.dim() == 1:\n        targets = F.one_hot(targets, logits.shape[1]).to(logits.dtype)\n    return -(targets * log_probs).sum(dim=1).mean()",
    "def accuracy(outputs, targets):\n    if outputs.shape[0] != targets.shape[0] or outputs.shape[0] == 0:\n        raise ValueError('rows')\n"
    "    labels = targets.argmax(1) if targets.ndim == 2 else targets\n    return (outputs.argmax(1) == labels).float().mean().item()",
    "class Linear(nn.Module):\n    def __init__(self, d, c):\n        super().__init__()\n        self.fc = nn.Linear(d, c)\n        self.name = self.__class__.__name__\n"
    "    def forward(self, x):\n        return self.fc(x)\n\nmodel = Linear(5, 3).to(DEVICE)\n"
    "opt = torch.optim.SGD(model.parameters(), lr=config['lr'])\ny = torch.tensor([0, 1, 2, 1])",
    "for epoch in range(config['epochs']):\n    out = model(x)\n    loss = cross_entropy(out, y)\n    reference = F.cross_entropy(out, y)\n"
    "    opt.zero_grad()\n    loss.backward()\n    opt.step()\n    history.append(loss.item())\n"
    "    print(epoch, loss.item(), reference.item(), accuracy(out, y))\nplt.plot(history)\nplt.show()",
    "results = {'mine': cross_entropy(out, y), 'torch': nn.CrossEntropyLoss()(out, y)}\n"
    "print({k: float(v) for k, v in results.items()})\nprobs = F.log_softmax(out, 1).exp()\nprint(np.exp(out.detach().numpy()).sum())",
]


def test_an_honest_notebook_with_comparisons_and_training_is_not_gated(classification):
    notebook = {"cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": []} for c in CELLS], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}
    chunks = notebook_chunks(json.dumps(notebook), "alice.ipynb")
    report = StaticChecker(classification.banned).check(chunks, ["softmax", "cross_entropy", "accuracy"])
    assert report.gating == {}
    assert {v.api for v in report.ungraded} == {
        "torch.softmax",
        "torch.nn.functional.softmax",
        "torch.nn.functional.cross_entropy",
        "torch.nn.CrossEntropyLoss",
        "torch.nn.functional.log_softmax",
    }
