import torch
from torch import nn

from training_utils import epoch_batches, pick_device


class MLP(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.linear1 = nn.Linear(input_dim, hidden_dim)
        self.activation = nn.ReLU()
        self.linear2 = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        return self.linear2(self.activation(self.linear1(x)))


def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
    device = pick_device(device)
    model.to(device)
    X, y = X.to(device), y.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    history = []
    for _ in range(epochs):
        losses = []
        for xb, yb in epoch_batches(X, y, batch_size, generator):
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        history.append(sum(losses) / len(losses))
    return history


def predict(model, X):
    before = model.training
    model.eval()
    with torch.no_grad():
        labels = model(X).argmax(1)
    model.train(before)
    return labels
