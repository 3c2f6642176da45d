"""Trusted evaluator: error rate = 1 - accuracy over 10 classes."""
from ar_metrics import error_rate


def evaluate(model, data, meta, device):
    return error_rate(model, data, meta, device, num_classes=10)
