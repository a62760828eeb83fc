"""inception-serve's googlenet and inception-v2 in plain PyTorch, so that the benchmark's Python peer
runs exactly inception-serve's architectures rather than torchvision's nearest relatives.

Each network mirrors the DJL blocks under src/main/java/io/inceptionserve/model/ layer for layer:
same kernels, strides, paddings, pooling modes, channel tables and BatchNorm eps. Attribute names
are the Java children's (without the stage level), so state_dict keys follow the Java parameter
names and order, e.g. ``inception3a.branch2.0.conv.weight``.

For inference only: no auxiliary heads (in DJL they pass the trunk through unchanged outside
training), no torchvision ``transform_input`` (the Java prepends it only to imported torchvision
weights). Weights are PyTorch's default random init; call ``.eval()`` on the result.
"""

from collections import OrderedDict, namedtuple

import torch
from torch import nn


class BasicConv2d(nn.Sequential):
    """conv -> BatchNorm -> ReLU, or conv with bias -> ReLU without BatchNorm (BasicConv2d.java).

    ``padding=None`` keeps H x W for stride 1 and odd kernels (Java's ``same``): (kh // 2, kw // 2).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=None, batch_norm=True):
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        if padding is None:
            padding = (kh // 2, kw // 2)
        layers = OrderedDict(conv=nn.Conv2d(in_channels, out_channels, (kh, kw), stride, padding,
                                            bias=not batch_norm))  # BatchNorm's beta replaces the bias
        if batch_norm:
            layers["bn"] = nn.BatchNorm2d(out_channels, eps=1e-3)  # DJL's momentum 0.9 is torch's 0.1
        layers["relu"] = nn.ReLU(inplace=True)
        super().__init__(layers)
        self.out_channels = out_channels


class Concat(nn.Module):
    """Branches on the same input, concatenated on channels in the order added (ScopedConcatBlock)."""

    def forward(self, x):
        return torch.cat([branch(x) for branch in self.children()], 1)


def _head(in_features, dropout, num_classes):
    """Global average pool -> dropout -> linear (Layers.classifierHead); DJL's pool also flattens."""
    return [("avgpool", nn.AdaptiveAvgPool2d(1)), ("flatten", nn.Flatten(1)),
            ("dropout", nn.Dropout(dropout)), ("fc", nn.Linear(in_features, num_classes))]


# --- GoogLeNet (architecture "googlenet": the 2014 paper's, conv biases, no BatchNorm, no LRN) ---

# GoogLeNet.MODULES, row for row.
GOOGLENET_MODULES = [
    # name  in   #1x1  #3x3r  #3x3  #5x5r  #5x5  proj
    ("3a", 192,   64,    96,  128,    16,   32,   32),
    ("3b", 256,  128,   128,  192,    32,   96,   64),
    ("4a", 480,  192,    96,  208,    16,   48,   64),
    ("4b", 512,  160,   112,  224,    24,   64,   64),
    ("4c", 512,  128,   128,  256,    24,   64,   64),
    ("4d", 512,  112,   144,  288,    32,   64,   64),
    ("4e", 528,  256,   160,  320,    32,  128,  128),
    ("5a", 832,  256,   160,  320,    32,  128,  128),
    ("5b", 832,  384,   192,  384,    48,  128,  128),
]


class Inception(Concat):
    """1x1 | 1x1 -> 3x3 | 1x1 -> 5x5 | max pool 3x3/1 -> 1x1 (InceptionModule.java, third kernel 5)."""

    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
        super().__init__()
        self.branch1 = BasicConv2d(in_channels, ch1x1, 1, batch_norm=False)
        self.branch2 = nn.Sequential(BasicConv2d(in_channels, ch3x3red, 1, batch_norm=False),
                                     BasicConv2d(ch3x3red, ch3x3, 3, batch_norm=False))
        self.branch3 = nn.Sequential(BasicConv2d(in_channels, ch5x5red, 1, batch_norm=False),
                                     BasicConv2d(ch5x5red, ch5x5, 5, batch_norm=False))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True),
                                     BasicConv2d(in_channels, pool_proj, 1, batch_norm=False))
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj


def googlenet(num_classes=1000):
    """GoogLeNet as inception-serve's ``googlenet`` (GoogLeNet.Builder with its defaults, no aux)."""

    def max_pool(kernel=3):
        return nn.MaxPool2d(kernel, 2, ceil_mode=True)  # ceil mode throughout, as the Java

    layers = OrderedDict([
        ("conv1", BasicConv2d(3, 64, 7, stride=2, padding=3, batch_norm=False)),
        ("maxpool1", max_pool()),
        ("conv2", BasicConv2d(64, 64, 1, batch_norm=False)),
        ("conv3", BasicConv2d(64, 192, 3, batch_norm=False)),
        ("maxpool2", max_pool()),
    ])
    channels = 192
    for name, in_channels, *widths in GOOGLENET_MODULES:
        assert in_channels == channels, f"{name}: table says {in_channels} in, previous gives {channels}"
        layers[f"inception{name}"] = module = Inception(in_channels, *widths)
        channels = module.out_channels
        if name in ("3b", "4e"):  # maxpool3, and maxpool4: the paper's 3x3/2, not torchvision's 2x2
            layers[f"maxpool{name[0]}"] = max_pool()
    layers.update(_head(channels, 0.4, num_classes))
    return nn.Sequential(layers)


# --- Inception-v2 (architecture "inception-v2": conv -> BatchNorm -> ReLU everywhere) ---

V2Module = namedtuple("V2Module", "name out ch1x1 reduce width double_reduce double_width pool pool_proj")

# InceptionV2.MODULES, row for row (3c and 5e are the grid reductions).
INCEPTION_V2_MODULES = [V2Module(*row) for row in [
    # name  out   #1x1  red  width  dblRed  dblWidth  pool   proj
    ("3a",  288,   64,   64,    64,     64,       96, "avg",   64),
    ("3b",  288,   64,   64,    96,     64,       96, "avg",   32),
    ("3c",  768,    0,  128,   320,     64,      160, "max",    0),
    ("5a",  768,  192,   96,   160,     96,      160, "avg",  256),
    ("5b",  768,  192,   96,   160,     96,      160, "avg",  256),
    ("5c",  768,  192,   96,   160,     96,      160, "avg",  256),
    ("5d",  768,  192,   96,   160,     96,      160, "avg",  256),
    ("5e", 1280,    0,  128,   192,    128,      320, "max",    0),
    ("2a", 1280,  256,  128,   160,    128,      240, "avg",  224),
    ("2b", 2048,  256,   96,    96,     96,      160, "max",    0),
]]


def _pool_branch(in_channels, spec):
    """Avg pool 3x3/1 (zero padding counted) -> 1x1, or max pool 3x3/1 passing the input through.

    Returns the branch and its output channels (ModuleSpec.poolBranch).
    """
    if spec.pool == "avg":
        branch = nn.Sequential(nn.AvgPool2d(3, 1, 1), BasicConv2d(in_channels, spec.pool_proj, 1))
        return branch, spec.pool_proj
    return nn.MaxPool2d(3, 1, 1), in_channels


def _conv3x3(in_channels, width, stride):
    """Stride 1 keeps the grid (padding 1); stride 2 is unpadded."""
    return BasicConv2d(in_channels, width, 3, stride, 1 if stride == 1 else 0)


def _three_by_three(in_channels, reduce, width, stride):
    return nn.Sequential(BasicConv2d(in_channels, reduce, 1), _conv3x3(reduce, width, stride))


def _double_three_by_three(in_channels, reduce, width, stride):
    return nn.Sequential(BasicConv2d(in_channels, reduce, 1), BasicConv2d(reduce, width, 3),
                         _conv3x3(width, width, stride))


def _seven_by_seven(in_channels, reduce, width):
    """1x1 -> 1x7 -> 7x1."""
    return nn.Sequential(BasicConv2d(in_channels, reduce, 1), BasicConv2d(reduce, width, (1, 7)),
                         BasicConv2d(width, width, (7, 1)))


def _double_seven_by_seven(in_channels, reduce, width):
    """1x1 -> 7x1 -> 1x7 -> 7x1 -> 1x7."""
    return nn.Sequential(BasicConv2d(in_channels, reduce, 1), BasicConv2d(reduce, width, (7, 1)),
                         BasicConv2d(width, width, (1, 7)), BasicConv2d(width, width, (7, 1)),
                         BasicConv2d(width, width, (1, 7)))


class FactorizedInception(Concat):
    """35x35 module (paper fig. 5): 1x1 | 1x1 -> 3x3 | 1x1 -> 3x3 -> 3x3 | pool branch."""

    def __init__(self, in_channels, spec):
        super().__init__()
        self.branch1 = BasicConv2d(in_channels, spec.ch1x1, 1)
        self.branch2 = _three_by_three(in_channels, spec.reduce, spec.width, 1)
        self.branch3 = _double_three_by_three(in_channels, spec.double_reduce, spec.double_width, 1)
        self.branch4, pool_out = _pool_branch(in_channels, spec)
        self.out_channels = spec.ch1x1 + spec.width + spec.double_width + pool_out


class AsymmetricInception(Concat):
    """17x17 module (paper fig. 6): 1x1 | 1x1 -> 1x7 -> 7x1 | 1x1 -> 7x1 -> 1x7 -> 7x1 -> 1x7 | pool."""

    def __init__(self, in_channels, spec):
        super().__init__()
        self.branch1 = BasicConv2d(in_channels, spec.ch1x1, 1)
        self.branch2 = _seven_by_seven(in_channels, spec.reduce, spec.width)
        self.branch3 = _double_seven_by_seven(in_channels, spec.double_reduce, spec.double_width)
        self.branch4, pool_out = _pool_branch(in_channels, spec)
        self.out_channels = spec.ch1x1 + spec.width + spec.double_width + pool_out


class Split(Concat):
    """1x3 | 3x1 on the same input: twice the width (ExpandedInception.split)."""

    def __init__(self, in_channels, width):
        super().__init__()
        self.conv1x3 = BasicConv2d(in_channels, width, (1, 3))
        self.conv3x1 = BasicConv2d(in_channels, width, (3, 1))


class ExpandedInception(Concat):
    """8x8 module (paper fig. 7): 1x1 | 1x1 -> (1x3 | 3x1) | 1x1 -> 3x3 -> (1x3 | 3x1) | pool branch."""

    def __init__(self, in_channels, spec):
        super().__init__()
        self.branch1 = BasicConv2d(in_channels, spec.ch1x1, 1)
        self.branch2 = nn.Sequential(BasicConv2d(in_channels, spec.reduce, 1), Split(spec.reduce, spec.width))
        self.branch3 = nn.Sequential(BasicConv2d(in_channels, spec.double_reduce, 1),
                                     BasicConv2d(spec.double_reduce, spec.double_width, 3),
                                     Split(spec.double_width, spec.double_width))
        self.branch4, pool_out = _pool_branch(in_channels, spec)
        self.out_channels = spec.ch1x1 + 2 * spec.width + 2 * spec.double_width + pool_out


class GridReduction(Concat):
    """Two conv branches ending in a 3x3/2 | max pool 3x3/2 passing the input through (no branch1)."""

    def __init__(self, in_channels, spec, branch2, branch3):
        super().__init__()
        assert spec.ch1x1 == 0 and spec.pool == "max", f"{spec.name} is not a grid reduction"
        self.branch2 = branch2
        self.branch3 = branch3
        self.branch4 = nn.MaxPool2d(3, 2)  # floor mode like the stride-2 convs, so branches agree
        self.out_channels = spec.width + spec.double_width + in_channels

    @classmethod
    def after_35x35(cls, in_channels, spec):
        """35x35 -> 17x17 (3c): the 35x35 module's conv branches with their last 3x3 strided."""
        return cls(in_channels, spec,
                   _three_by_three(in_channels, spec.reduce, spec.width, 2),
                   _double_three_by_three(in_channels, spec.double_reduce, spec.double_width, 2))

    @classmethod
    def after_17x17(cls, in_channels, spec):
        """17x17 -> 8x8 (5e): the 17x17 module's conv branches, each followed by a 3x3/2."""
        branch2 = _seven_by_seven(in_channels, spec.reduce, spec.width)
        branch2.append(BasicConv2d(spec.width, spec.width, 3, 2, 0))
        branch3 = _double_seven_by_seven(in_channels, spec.double_reduce, spec.double_width)
        branch3.append(BasicConv2d(spec.double_width, spec.double_width, 3, 2, 0))
        return cls(in_channels, spec, branch2, branch3)


def inception_v2(num_classes=1000):
    """Inception-v2 as inception-serve's ``inception-v2`` (InceptionV2.Builder, no aux head)."""
    layers = OrderedDict([
        ("conv1", BasicConv2d(3, 32, 3, stride=2, padding=0)),
        ("conv2", BasicConv2d(32, 32, 3, padding=0)),
        ("conv3", BasicConv2d(32, 64, 3, padding=1)),
        ("maxpool", nn.MaxPool2d(3, 2, ceil_mode=True)),  # ceil mode as the Java: 73x73 at 299 either way
        ("conv4", BasicConv2d(64, 80, 3, padding=0)),
        ("conv5", BasicConv2d(80, 192, 3, stride=2, padding=0)),
        ("conv6", BasicConv2d(192, 288, 3, padding=1)),
    ])
    kinds = {"3a": FactorizedInception, "3b": FactorizedInception, "3c": GridReduction.after_35x35,
             "5a": AsymmetricInception, "5b": AsymmetricInception, "5c": AsymmetricInception,
             "5d": AsymmetricInception, "5e": GridReduction.after_17x17,
             "2a": ExpandedInception, "2b": ExpandedInception}
    channels = 288
    for spec in INCEPTION_V2_MODULES:
        layers[f"inception{spec.name}"] = module = kinds[spec.name](channels, spec)
        assert module.out_channels == spec.out, f"{spec.name}: {module.out_channels} out, table {spec.out}"
        channels = module.out_channels
    layers.update(_head(channels, 0.2, num_classes))
    return nn.Sequential(layers)
