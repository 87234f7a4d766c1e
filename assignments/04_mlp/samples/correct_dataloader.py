"""MLP lab: mini-batches through a DataLoader, predictions from softmax probabilities."""
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset


class MLP(nn.Module):
    def __init__(self, input_dim: int, hidden_dim: int, output_dim: int):
        super().__init__()
        self.linear1 = nn.Linear(in_features=input_dim, out_features=hidden_dim)
        self.linear2 = nn.Linear(in_features=hidden_dim, out_features=output_dim)
        self.activation = nn.ReLU()

    def forward(self, x):
        return self.linear2(self.activation(self.linear1(x)))


def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    model.to(device)
    dataset = TensorDataset(X.to(device), y.to(device))
    loader = DataLoader(
        dataset,
        batch_size=len(dataset) if batch_size is None else batch_size,
        shuffle=batch_size is not None,
        generator=torch.Generator().manual_seed(seed),
    )
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=lr)
    history = []
    for _ in range(epochs):
        running, seen = 0.0, 0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            running += loss.item() * len(xb)
            seen += len(xb)
        history.append(running / seen)
    return history


def predict(model, X):
    mode = model.training
    model.eval()
    try:
        with torch.inference_mode():
            probabilities = F.softmax(model(X), dim=1)
            return probabilities.argmax(dim=1)
    finally:
        model.train(mode)
