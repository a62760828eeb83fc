"""Times training steps of torchvision's GoogLeNet in Debian's torch: the reference for our step.

The same step as the Java trainer's: forward with both auxiliary heads, cross-entropy with label
smoothing 0.1 on the main head plus 0.3 times each auxiliary head's, backward, Adam (lr 1e-3), on
a batch of random pixels and labels. The first convolution takes CHANNELS input channels, as ours
does for grey images. Prints one JSON line.

Usage: train_step_torchvision.py SIZE CHANNELS BATCH THREADS WARMUP_STEPS MEASURED_STEPS
"""
import json
import resource
import sys
import time

import torch
import torchvision


def main() -> None:
    size, channels, batch, threads, warmup, steps = (int(a) for a in sys.argv[1:7])
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    model = torchvision.models.googlenet(weights=None, num_classes=10, aux_logits=True, init_weights=True,
                                         transform_input=False)
    model.conv1.conv = torch.nn.Conv2d(channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    images = torch.randn(batch, channels, size, size)
    labels = torch.randint(0, 10, (batch,))

    def step() -> float:
        optimizer.zero_grad(set_to_none=True)
        logits, aux2, aux1 = model(images)
        loss = loss_fn(logits, labels) + 0.3 * (loss_fn(aux1, labels) + loss_fn(aux2, labels))
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(warmup):
        step()
    cpu_start = time.process_time()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    print(json.dumps({
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "images_per_second": steps * batch / wall,
        "cpu_ms_per_image": 1000 * cpu / (steps * batch),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
