"""Forward passes per second of torchvision networks as a careful PyTorch user runs them on a CPU
with native bfloat16: eval mode, channels-last, torch.inference_mode() and
torch.autocast("cpu", dtype=torch.bfloat16). Random weights (speed does not depend on them).

Usage: autocast_torchvision.py THREADS SECONDS NAME:SIZE:BATCH [...]
Prints one line per network and batch: NAME:BATCH IMAGES_PER_SECOND
"""
import sys
import time

import torch
import torchvision


def images_per_second(model, size, batch, seconds):
    x = torch.randn(batch, 3, size, size).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
        for _ in range(3):
            model(x)
        runs = 0
        start = time.perf_counter()
        while runs < 3 or time.perf_counter() - start < seconds:
            model(x)
            runs += 1
        return runs * batch / (time.perf_counter() - start)


def main() -> None:
    torch.set_num_threads(int(sys.argv[1]))
    seconds = float(sys.argv[2])
    torch.manual_seed(0)
    models = {}
    for spec in sys.argv[3:]:
        name, size, batch = spec.split(":")
        if name not in models:
            model = getattr(torchvision.models, name)(weights=None, aux_logits=False, init_weights=False)
            models[name] = model.eval().to(memory_format=torch.channels_last)
        print(f"{name}:{batch} {images_per_second(models[name], int(size), int(batch), seconds):.2f}", flush=True)


if __name__ == "__main__":
    main()
