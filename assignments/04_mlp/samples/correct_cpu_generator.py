# MLP assignment. The shuffle is drawn on the CPU so that a GPU run sees the same batches.
import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self, input_dim: int, hidden_dim: int, output_dim: int):
        super().__init__()
        self.linear1 = nn.Linear(input_dim, hidden_dim)
        self.activation = nn.ReLU()
        self.linear2 = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        return self.linear2(self.activation(self.linear1(x)))


def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(device)
    model = model.to(device)
    X = X.to(device)
    y = y.to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    g = torch.Generator(device="cpu").manual_seed(seed)
    n = X.shape[0]
    step = n if batch_size is None else batch_size
    losses = []
    model.train()
    for _ in range(epochs):
        if batch_size is None:
            idx = torch.arange(n, device=device)
        else:
            idx = torch.randperm(n, generator=g, device="cpu")
        total = 0.0
        for start in range(0, n, step):
            batch = idx[start:start + step]
            xb, yb = X[batch], y[batch]
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        losses.append(total / n)
    return losses


@torch.no_grad()
def predict(model, X):
    was_training = model.training
    model.eval()
    try:
        return model(X).argmax(dim=1)
    finally:
        model.train(was_training)
