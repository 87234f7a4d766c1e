# Lab 4 - MLP, in the style of the course slides (super(Class, self), torch.device objects).
import torch


class MLP(torch.nn.Module) :
    def __init__(self, input_dim, hidden_dim, output_dim) :
        super(MLP, self).__init__()
        self.linear1 = torch.nn.Linear(input_dim, hidden_dim)
        self.activation = torch.nn.ReLU()
        self.linear2 = torch.nn.Linear(hidden_dim, output_dim)

    def forward(self, x) :
        x = self.linear1(x)
        x = self.activation(x)
        y_hat = self.linear2(x)
        return y_hat


def train_classifier(model, X, y, epochs=200, lr=0.1, batch_size=None, device=None, seed=0):
    if device is None:
        device = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
    model.to(device)
    X, y = X.to(device), y.to(device)
    loss_function = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(params=model.parameters(), lr=lr)
    generator = torch.Generator()
    generator.manual_seed(seed)
    n = len(X)
    history = []
    for epoch in range(epochs):
        if batch_size is None:
            batches = [torch.arange(n)]
        else:
            order = torch.randperm(n, generator=generator)
            batches = list(torch.split(order, batch_size))
        epoch_losses = []
        for rows in batches:
            y_hat = model(X[rows])
            loss_value = loss_function(y_hat, y[rows])
            optimizer.zero_grad()
            loss_value.backward()
            optimizer.step()
            epoch_losses.append(float(loss_value))
        history.append(sum(epoch_losses) / len(epoch_losses))
    return history


def predict(model, X):
    mode = model.training
    model.eval()
    with torch.no_grad():
        scores = model(X)
    model.train(mode)
    return scores.argmax(dim=1)
