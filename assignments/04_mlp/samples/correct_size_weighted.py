import math

import torch
from torch import nn


class MLP(nn.Module):
    """input -> hidden (ReLU) -> output scores"""

    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.linear1 = nn.Linear(input_dim, hidden_dim)
        self.activation = nn.ReLU()
        self.linear2 = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        x = self.linear1(x)
        x = self.activation(x)
        x = self.linear2(x)
        return x


def _choose_device(device):
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
    device = _choose_device(device)
    model.to(device)
    X, y = X.to(device), y.to(device)
    n = len(X)
    size = n if batch_size is None else batch_size
    n_batches = math.ceil(n / size)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    losses = []
    for epoch in range(epochs):
        order = torch.arange(n) if batch_size is None else torch.randperm(n, generator=generator)
        order = order.to(device)
        total = torch.zeros((), device=device)
        for b in range(n_batches):
            rows = order[b * size:(b + 1) * size]
            logits = model(X[rows])
            loss = loss_fn(logits, y[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(rows)
        losses.append(float(total / n))
        if epoch % 50 == 0:
            print(f"epoch {epoch}: loss {losses[-1]:.4f}")
    return losses


@torch.no_grad()
def predict(model, X):
    training = model.training
    model.eval()
    scores = model(X)
    if training:
        model.train()
    return scores.max(dim=1).indices
