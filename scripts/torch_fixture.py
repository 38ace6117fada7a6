"""Small PyTorch models exported to ONNX the way users export them, for the importer's tests.

Regenerate (needs PyTorch; the python `onnx` package is not needed):

    /usr/bin/python3 scripts/torch_fixture.py

Writes, for each model M below, `fixtures/M.onnx` (torch.onnx.export, opset 13, eval mode) and
`fixtures/M.json`: the input shape, a few inputs (little-endian float32, base64) and PyTorch's
outputs for them, which `src/nn/onnx_torch_test.ts` compares with the IR forward pass and
onnxruntime-web. Weights are seeded random (He init, BatchNorm weights, biases and running
statistics drawn too, so BatchNorm is never the identity); the fixtures are committed because CI
may not have PyTorch. Each export is checked for the ONNX ops it is meant to exercise (with torch
1.13; another version may write other ops, which the check reports):

- torch_resnet_bn: kuangliu-style CIFAR ResNet (BasicBlocks, 1x1 projection shortcut) exported
  with BatchNorm kept (training=PRESERVE) and a dynamic batch. Two BatchNorm layers get equal
  biases, which torch.onnx deduplicates into `Identity` nodes; `F.avg_pool2d` writes a zero `Pad`
  before `AveragePool`; `out.view(out.size(0), -1)` writes Shape -> Gather -> Unsqueeze -> Concat
  -> Reshape.
- torch_vgg: VGG-style features (Conv-BN-ReLU, max pools; BatchNorm folded into the convolutions
  by the export), `torch.flatten(x, 1)` (`Flatten`), a Dropout (dropped in eval export), a Linear
  (`Gemm`, transB=1) and a Linear without bias (`MatMul` by a transposed constant).
- torch_vgg_reshape: the same features with BatchNorm kept, exported without constant folding and
  with a dynamic batch: `x.reshape(-1, K)` (a `Constant` INT64 shape), a Linear without bias
  (`Transpose` of the weight, then `MatMul`) and a Linear (`Gemm`).
- torch_gap_squeeze: `adaptive_avg_pool2d(x, 1).squeeze(-1).squeeze(-1)` (`GlobalAveragePool`,
  two `Squeeze`) plus `x.mean((2, 3))` (`ReduceMean`), added, then a Linear.
"""

import base64
import json
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
SHAPE = (1, 1, 32, 32)  # Fashion-MNIST padded to 32x32, as the zoo's fashionmnist models
CLASSES = 10
INPUTS = 4


def randomize_batchnorm(model: nn.Module) -> None:
    """Draw BatchNorm parameters and running statistics so no BatchNorm is the identity."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)


class BasicBlock(nn.Module):
    def __init__(self, ci: int, co: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(ci, co, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(co)
        self.conv2 = nn.Conv2d(co, co, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(co)
        self.shortcut = nn.Sequential()
        if stride != 1 or ci != co:
            self.shortcut = nn.Sequential(
                nn.Conv2d(ci, co, 1, stride, bias=False), nn.BatchNorm2d(co)
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.layer1 = nn.Sequential(BasicBlock(8, 8, 1))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, 2))
        self.layer3 = nn.Sequential(BasicBlock(16, 16, 2))
        self.linear = nn.Linear(16, CLASSES)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.avg_pool2d(out, 8)
        out = out.view(out.size(0), -1)
        return self.linear(out)


def vgg_features() -> nn.Sequential:
    layers, ci = [], 1
    for v in [8, "M", 16, "M", 16, "M"]:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(ci, v, 3, padding=1), nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            ci = v
    return nn.Sequential(*layers)


class Vgg(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = vgg_features()
        self.classifier = nn.Sequential(
            nn.Dropout(0.5), nn.Linear(256, 24), nn.ReLU(True), nn.Linear(24, CLASSES, bias=False)
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class VggReshape(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = vgg_features()
        self.fc1 = nn.Linear(256, 24, bias=False)
        self.classifier = nn.Linear(24, CLASSES)

    def forward(self, x):
        x = self.features(x).reshape(-1, 256)
        return self.classifier(F.relu(self.fc1(x)))


class GapSqueeze(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, 2, 1), nn.BatchNorm2d(8), nn.ReLU(True),
            nn.Conv2d(8, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.ReLU(True),
        )
        self.linear = nn.Linear(16, CLASSES)

    def forward(self, x):
        x = self.features(x)
        a = F.adaptive_avg_pool2d(x, 1).squeeze(-1).squeeze(-1)
        return self.linear(a + x.mean((2, 3)))


def tie_resnet_biases(m: ResNet) -> None:
    """Equal BatchNorm biases, which torch.onnx writes once plus an `Identity` for the copy."""
    m.layer1[0].bn2.bias.data.copy_(m.bn1.bias.data)
    m.layer3[0].bn1.bias.data.copy_(m.layer2[0].bn2.bias.data)


DYNAMIC = {"input": {0: "N"}, "output": {0: "N"}}
PRESERVE = torch.onnx.TrainingMode.PRESERVE
MODELS = {
    "torch_resnet_bn": dict(
        build=ResNet, tie=tie_resnet_biases, export=dict(training=PRESERVE, dynamic_axes=DYNAMIC),
        ops=["Identity", "BatchNormalization", "Pad", "Shape", "Gather", "Unsqueeze", "Concat",
             "Reshape", "Gemm"],
    ),
    "torch_vgg": dict(
        build=Vgg, export=dict(), ops=["Flatten", "Gemm", "MatMul"], absent=["Dropout", "BatchNorm"]
    ),
    "torch_vgg_reshape": dict(
        build=VggReshape,
        export=dict(training=PRESERVE, do_constant_folding=False, dynamic_axes=DYNAMIC),
        ops=["BatchNormalization", "Constant", "Reshape", "Transpose", "MatMul", "Gemm"],
    ),
    "torch_gap_squeeze": dict(
        build=GapSqueeze, export=dict(dynamic_axes=DYNAMIC),
        ops=["GlobalAveragePool", "Squeeze", "ReduceMean", "Add", "Gemm"],
    ),
}


def f32_base64(t: torch.Tensor) -> str:
    values = t.detach().flatten().tolist()
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()


def inputs_with_clear_argmax(model: nn.Module, gen: torch.Generator):
    """Images in [0, 1) whose top two logits differ by at least 1e-3, so argmax is well defined."""
    xs, ys = [], []
    while len(xs) < INPUTS:
        x = torch.rand(SHAPE, generator=gen)
        y = model(x)[0]
        top = torch.topk(y, 2).values
        if (top[0] - top[1]).item() >= 1e-3:
            xs.append(x)
            ys.append(y)
    return xs, ys


def make(name: str, spec: dict, seed: int) -> None:
    torch.manual_seed(seed)
    model = spec["build"]()
    randomize_batchnorm(model)
    spec.get("tie", lambda m: None)(model)
    model.eval()
    path = os.path.join(OUT, f"{name}.onnx")
    torch.onnx.export(
        model, torch.zeros(SHAPE), path, opset_version=13, input_names=["input"],
        output_names=["output"], **spec["export"],
    )
    data = open(path, "rb").read()
    # Op types are plain strings in the protobuf: enough to notice a torch that writes other ops.
    missing = [op for op in spec["ops"] if op.encode() not in data]
    extra = [op for op in spec.get("absent", []) if op.encode() in data]
    if missing or extra:
        raise SystemExit(
            f"{name}: torch {torch.__version__} wrote no {missing}, but wrote {extra}"
        )
    with torch.no_grad():
        xs, ys = inputs_with_clear_argmax(model, torch.Generator().manual_seed(seed))
    doc = {
        "model": f"{name}.onnx",
        "torch": torch.__version__,
        "opset": 13,
        "input_shape": list(SHAPE),
        "inputs_f32le_base64": [f32_base64(x) for x in xs],
        "outputs": [[float(v) for v in y] for y in ys],
    }
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        f.write(json.dumps(doc, indent=2) + "\n")  # the layout `deno fmt` keeps
    print(f"{name}: {len(data)} bytes, ops checked: {', '.join(spec['ops'])}")


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    for i, (name, spec) in enumerate(MODELS.items()):
        make(name, spec, seed=1 + i)
