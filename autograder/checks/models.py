"""Checks for a student's torch.nn.Module: its layers, parameter shapes and modes."""
