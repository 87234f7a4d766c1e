"""A multilayer perceptron in PyTorch: the model, its training loop and its predictions.

The lectures build a network in three steps, and so does this module. An
`nn.Module` declares its layers in `__init__` and composes them in
`forward`. A training loop repeats four steps per batch: zero the
gradients, compute the loss, back-propagate, step the optimizer. Prediction
switches the model to eval mode, turns off the graph and takes the class
with the highest score.

The loop is written for any `nn.Module` that maps (N, D) inputs to (N, C)
scores, not only for `MLP`, and on any device: the CPU, or a GPU through
CUDA when there is one.
"""

import torch
from torch import nn


class MLP(nn.Module):
    """One hidden layer with a ReLU: input_dim -> hidden_dim -> output_dim.

    Declare the layers as attributes, with exactly these names, so that
    PyTorch registers their weights as the model's parameters (they show up
    in `model.parameters()` and `model.state_dict()`):

        linear1    = nn.Linear(input_dim, hidden_dim)
        activation = nn.ReLU()
        linear2    = nn.Linear(hidden_dim, output_dim)

    `forward(x)` returns linear2(activation(linear1(x))): raw scores
    (logits), one per class. There is no activation and no softmax on the
    output: `nn.CrossEntropyLoss` applies log-softmax itself, and the
    predicted class is the argmax of the raw scores anyway.

    Example: MLP(2, 4, 3) is the lecture's first network, with 2*4 + 4 +
    4*3 + 3 = 27 parameters.
    """

    def __init__(self, input_dim: int, hidden_dim: int, output_dim: int) -> None:
        super().__init__()
        # BEGIN SOLUTION
        self.linear1 = nn.Linear(input_dim, hidden_dim)
        self.activation = nn.ReLU()
        self.linear2 = nn.Linear(hidden_dim, output_dim)
        # END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, input_dim) inputs to (N, output_dim) raw scores."""
        # BEGIN SOLUTION
        return self.linear2(self.activation(self.linear1(x)))
        # END SOLUTION


def train_classifier(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    epochs: int = 200,
    lr: float = 0.1,
    batch_size: int | None = None,
    device: str | torch.device | None = None,
    seed: int = 0,
) -> list[float]:
    """Train `model` in place with SGD on the cross-entropy loss; return each epoch's mean loss.

    Steps:
      1. Pick the device: `device`, or when it is None, "cuda" if
         torch.cuda.is_available() else "cpu". Move the model and the data
         there (`model.to(device)`, `X.to(device)`).
      2. Make `torch.optim.SGD(model.parameters(), lr=lr)` and
         `nn.CrossEntropyLoss()`.
      3. Each epoch, go over the data in batches. Full-batch when
         `batch_size` is None (one step per epoch, as in the lecture);
         otherwise a new shuffled order every epoch, split into batches of
         `batch_size` (the last one may be shorter). Draw the order from a
         `torch.Generator().manual_seed(seed)` made once, before the first
         epoch, e.g. with `torch.randperm(n, generator=generator)` or a
         `DataLoader(..., shuffle=True, generator=generator)`, so that the
         same seed gives the same run.
      4. For every batch: `optimizer.zero_grad()` (gradients add up
         otherwise), `loss = loss_fn(model(xb), yb)`, `loss.backward()`,
         `optimizer.step()`. Call the model as `model(xb)`, never
         `model.forward(xb)`: only the call runs PyTorch's hooks.
      5. Record the epoch's mean loss as a Python float (`loss.item()`).
         With mini-batches, average the batches' losses (weighting each by
         its size or not: both are accepted).

    Args:
        model: any nn.Module mapping (N, D) inputs to (N, C) scores.
        X: (N, D) float inputs.
        y: (N,) int64 class indices in [0, C).
        epochs: passes over the data.
        lr: the learning rate.
        batch_size: rows per step, or None for the whole data set.
        device: where to train; None means CUDA when available, else the CPU.
        seed: seeds the generator that shuffles the mini-batches.

    Returns:
        A list of `epochs` Python floats. The model stays on `device`.
    """
    # BEGIN SOLUTION
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    model = model.to(device)
    X, y = X.to(device), y.to(device)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    criterion = nn.CrossEntropyLoss()
    shuffler = torch.Generator().manual_seed(seed)
    n = X.shape[0]
    model.train()
    history = []
    for _ in range(epochs):
        if batch_size is None:
            batches = [(X, y)]
        else:
            order = torch.randperm(n, generator=shuffler).to(device)
            batches = [(X[rows], y[rows]) for rows in order.split(batch_size)]
        total = 0.0
        for xb, yb in batches:
            opt.zero_grad()
            batch_loss = criterion(model(xb), yb)
            batch_loss.backward()
            opt.step()
            total += batch_loss.item() * len(xb)
        history.append(total / n)
    return history
    # END SOLUTION


def predict(model: nn.Module, X: torch.Tensor) -> torch.Tensor:
    """The predicted class of each row of X: the argmax of the model's scores.

    Evaluate the way a trained model is used:
      - in eval mode (`model.eval()`), so that layers such as dropout stop
        being random;
      - under `torch.no_grad()`, so that no graph is built for a backward
        pass that never comes;
      - and leave the model in the mode it was in: remember `model.training`
        before, and call `model.train(was_training)` after.

    Args:
        model: any nn.Module mapping (N, D) inputs to (N, C) scores, on X's device.
        X: (N, D) inputs.

    Returns:
        int64 class indices of shape (N,), on X's device, not requiring grad.
    """
    # BEGIN SOLUTION
    mode_before = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model(X).argmax(dim=1)
    finally:
        model.train(mode_before)
    # END SOLUTION
