"""Scripts the TorchScript modules that cast arrays between float32 and a reduced precision.

DJL 0.36 maps only nine of libtorch's data types; asking it to convert an array to bfloat16
terminates the JVM. These modules do the conversion inside libtorch instead: the service loads
them as DJL models and calls them as blocks (see PrecisionCasts.java). Each keeps the input's
memory format (channels-last stays channels-last).

Run once, with any torch that writes TorchScript libtorch 2.x can read (Debian's python3-torch
1.13 does); the output is committed, so the service itself never needs Python:

    python3 src/main/python/script_precision_casts.py src/main/resources/torchscript
"""

import sys
from pathlib import Path

import torch


class ToBFloat16(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.bfloat16)


class ToFloat16(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.float16)


class ToFloat32(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.float32)


def main(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, module in (("to_bfloat16", ToBFloat16()), ("to_float16", ToFloat16()), ("to_float32", ToFloat32())):
        torch.jit.script(module.eval()).save(str(directory / f"{name}.pt"))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
