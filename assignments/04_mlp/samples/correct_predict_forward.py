# Lab 4: my MLP, written the way the lecture did it.
import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.linear1 = nn.Linear(input_dim, hidden_dim)
        self.activation = nn.ReLU()
        self.linear2 = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        out_hidden = self.linear1(x)
        out_hidden = self.activation(out_hidden)
        return self.linear2(out_hidden)


def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
    device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    model = model.to(device)
    X = X.to(device)
    y = y.to(device)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    loss_func = nn.CrossEntropyLoss()
    g = torch.Generator()
    g.manual_seed(seed)
    loss_history = []
    for epoch in range(epochs):
        if batch_size is None:
            opt.zero_grad()
            loss_value = loss_func(model(X), y)
            loss_value.backward()
            opt.step()
            loss_history.append(loss_value.item())
            continue
        perm = torch.randperm(X.shape[0], generator=g)
        batch_losses = []
        for i in range(0, X.shape[0], batch_size):
            idx = perm[i:i + batch_size]
            opt.zero_grad()
            loss_value = loss_func(model(X[idx]), y[idx])
            loss_value.backward()
            opt.step()
            batch_losses.append(loss_value.item())
        # plain mean of the batch means
        loss_history.append(sum(batch_losses) / len(batch_losses))
    return loss_history


def predict(model, X):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        Y_pred = model.forward(X)
    model.train(was_training)
    return torch.argmax(Y_pred, dim=1)
