"""Metrics shared by the built-in tasks' trusted evaluators."""
import ar_data


def error_rate(model, data, meta, device, num_classes):
    """1 - accuracy of a classifier over images x [N, C, H, W] with labels y.

    The model takes float32 images in [0, 1] shaped like its exported example
    input and returns logits [B, num_classes]."""
    x, y = data
    shape = meta["input_shape"]
    if list(shape[1:]) != list(x.shape[1:]) or shape[0] < 1:
        raise ar_data.ModelOutputError(f"model input shape {shape} does not match images {list(x.shape[1:])}")
    bsz = min(shape[0], 1024)
    wrong = 0
    for start, out, valid in ar_data.batch_outputs(model, x, bsz, device):
        logits = ar_data.check_output(out, [bsz, num_classes])[:valid]
        wrong += (logits.argmax(1).cpu() != y[start:start + valid]).sum().item()
    return wrong / len(x)
