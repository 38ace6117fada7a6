"""mosaic-bench's PyTorch training engine, driven by src/train/torch.ts.

The exchange (one folder per job, written by the Deno side; docs/training.md describes it):
  job.json      {"mode": "train" | "evaluate", "threads": int, "net": GRAPH, "teacher": GRAPH | null,
                 "data": {"n", "c", "h", "w", "mean", "std"}, "schedule": {...} | null,
                 "optimizer": {"momentum", "weightDecay", "distill": {"alpha", "temperature"} | null},
                 "masks": {layer name: byte offset in masks.u8}}
  GRAPH         {"input": {"name", "c", "h", "w"}, "output": name, "params": file name,
                 "nodes": [{"op", "name", "inputs", "output", attributes...,
                            "tensors": {"weight"|"bias"|"scale"|"mean"|"variance": [offset, length]}}]}
                 offsets and lengths count float32 values in the params file (little-endian).
  pixels.u8     n*c*h*w uint8, already fitted to the input; normalized (p/255 - mean[c]) / std[c]
  labels.u8     n uint8
  order.i32, flip.u8, shift.i8 (dy, dx per position), lrs.f32: the compiled schedule
  masks.u8      0/1 bytes per masked weight, in the IR's weight layout
Outputs: params.out.f32 (same layout as the net's params), result.json {"losses": file, "seconds",
"samplesPerSecond"} or {"accuracy", "predictions": file, "samplesPerSecond"}. Progress lines
("progress <text>") go to stderr. Any failure prints "error: <one line>" and exits 2.

`torch_engine.py --serve` runs one job after another in this one process (torch is imported
once): it reads a job folder per line on stdin and answers each on stdout with "done" or
"error <one line>", until stdin ends. Every job starts from the same state (seed 0, its own
thread count), so a served job computes what a job in a fresh process computes.

Semantics equal the tfjs engine's: flip then translate (vacated pixels are raw 0), BatchNorm in
training mode with PyTorch's running statistics (momentum 0.1, unbiased variance), mean softmax
cross-entropy, optional distillation (1-a)*CE + a*T^2*KL, SGD with PyTorch's momentum and weight
decay on Conv/Gemm weights only, masked weights and their momentum zeroed after every step.
"""

import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


class JobError(Exception):
    """A job that cannot run, with the one line that says why."""


def fail(msg):
    raise JobError(msg)


def progress(msg):
    print(f"progress {msg}", file=sys.stderr, flush=True)


class Graph(torch.nn.Module):
    """The IR network as a module: parameters per node, ops run in the IR's order."""

    def __init__(self, graph, folder):
        super().__init__()
        self.graph = graph
        flat = np.fromfile(os.path.join(folder, graph["params"]), dtype="<f4")
        self.flat_size = flat.size
        self.weights = torch.nn.ParameterDict()
        self.bn = torch.nn.ModuleDict()
        self.decay = []
        for i, node in enumerate(graph["nodes"]):
            t = node.get("tensors", {})
            get = lambda k: torch.from_numpy(flat[t[k][0]:t[k][0] + t[k][1]].copy())
            key = f"n{i}"
            if node["op"] == "Conv":
                w = get("weight").reshape(node["co"], node["ci"], node["k"], node["k"])
                self.weights[key + "_w"] = torch.nn.Parameter(w)
                self.decay.append(self.weights[key + "_w"])
                if "bias" in t:
                    self.weights[key + "_b"] = torch.nn.Parameter(get("bias"))
            elif node["op"] == "Gemm":
                w = get("weight").reshape(node["out"], node["in"])
                self.weights[key + "_w"] = torch.nn.Parameter(w)
                self.decay.append(self.weights[key + "_w"])
                if "bias" in t:
                    self.weights[key + "_b"] = torch.nn.Parameter(get("bias"))
            elif node["op"] == "BatchNormalization":
                c = t["scale"][1]
                bn = torch.nn.BatchNorm2d(c, eps=node["epsilon"], momentum=0.1)
                with torch.no_grad():
                    bn.weight.copy_(get("scale"))
                    bn.bias.copy_(get("bias"))
                    bn.running_mean.copy_(get("mean"))
                    bn.running_var.copy_(get("variance"))
                self.bn[key] = bn

    def forward(self, x):
        values = {self.graph["input"]["name"]: x}
        for i, node in enumerate(self.graph["nodes"]):
            key, op = f"n{i}", node["op"]
            a = values[node["inputs"][0]]
            if op == "Conv":
                t, l, b, r = node["pads"]
                if t == b and l == r:
                    y = F.conv2d(a, self.weights[key + "_w"], self.weights[key + "_b"]
                                 if key + "_b" in self.weights else None, node["stride"], (t, l))
                else:
                    y = F.conv2d(F.pad(a, (l, r, t, b)), self.weights[key + "_w"],
                                 self.weights[key + "_b"] if key + "_b" in self.weights else None,
                                 node["stride"])
            elif op == "Gemm":
                y = F.linear(a, self.weights[key + "_w"],
                             self.weights[key + "_b"] if key + "_b" in self.weights else None)
            elif op == "BatchNormalization":
                y = self.bn[key](a)
            elif op == "Relu":
                y = F.relu(a)
            elif op == "MaxPool":
                t, l, b, r = node["pads"]
                if t or l or b or r:
                    a = F.pad(a, (l, r, t, b), value=float("-inf"))
                y = F.max_pool2d(a, node["k"], node["stride"])
            elif op == "AveragePool":
                t, l, b, r = node["pads"]
                if t == b and l == r:
                    y = F.avg_pool2d(a, node["k"], node["stride"], (t, l), count_include_pad=False)
                else:
                    fail(f"AveragePool {node['name']}: asymmetric pads are not supported by torch")
            elif op == "GlobalAveragePool":
                y = a.mean(dim=(2, 3), keepdim=True)
            elif op == "Add":
                y = a + values[node["inputs"][1]]
            elif op == "Flatten":
                y = a.reshape(a.shape[0], -1)
            else:
                fail(f"node {node['name']}: op {op} is not supported by the torch engine")
            values[node["output"]] = y
        return values[self.graph["output"]]

    def export(self, path):
        """Write the parameters back in the exchange layout."""
        out = np.zeros(self.flat_size, dtype="<f4")
        for i, node in enumerate(self.graph["nodes"]):
            t = node.get("tensors", {})
            key = f"n{i}"

            def put(k, v):
                out[t[k][0]:t[k][0] + t[k][1]] = v.detach().reshape(-1).float().numpy()

            if node["op"] in ("Conv", "Gemm"):
                put("weight", self.weights[key + "_w"])
                if "bias" in t:
                    put("bias", self.weights[key + "_b"])
            elif node["op"] == "BatchNormalization":
                bn = self.bn[key]
                put("scale", bn.weight)
                put("bias", bn.bias)
                put("mean", bn.running_mean)
                put("variance", bn.running_var)
        out.tofile(path)


def load_data(folder, data):
    n, c, h, w = data["n"], data["c"], data["h"], data["w"]
    pixels = np.fromfile(os.path.join(folder, "pixels.u8"), dtype=np.uint8)
    if pixels.size != n * c * h * w:
        fail(f"pixels.u8 holds {pixels.size} bytes, expected {n * c * h * w}")
    pixels = torch.from_numpy(pixels.reshape(n, c, h, w))
    labels = torch.from_numpy(np.fromfile(os.path.join(folder, "labels.u8"), dtype=np.uint8))
    mean = torch.tensor(data["mean"], dtype=torch.float32).reshape(1, c, 1, 1)
    std = torch.tensor(data["std"], dtype=torch.float32).reshape(1, c, 1, 1)
    return pixels, labels.long(), mean, std


def batch_images(pixels, idx, flip, shift, mean, std):
    """Gather, augment (flip, then translate with raw 0 fill) and normalize one batch."""
    x = pixels[idx]
    if flip is not None and flip.any():
        f = flip.bool()
        x[f] = x[f].flip(-1)
    if shift is not None and shift.any():
        s = int(shift.abs().max())
        h, w = x.shape[2], x.shape[3]
        padded = F.pad(x, (s, s, s, s))
        out = torch.empty_like(x)
        for j in range(x.shape[0]):
            dy, dx = int(shift[j, 0]), int(shift[j, 1])
            out[j] = padded[j, :, s - dy:s - dy + h, s - dx:s - dx + w]
        x = out
    return (x.float() / 255 - mean) / std


def train(folder, job):
    model = Graph(job["net"], folder)
    teacher = None
    if job.get("teacher"):
        teacher = Graph(job["teacher"], folder).eval()
    pixels, labels, mean, std = load_data(folder, job["data"])
    sch = job["schedule"]
    order = torch.from_numpy(np.fromfile(os.path.join(folder, "order.i32"), dtype="<i4").astype(np.int64))
    flip = torch.from_numpy(np.fromfile(os.path.join(folder, "flip.u8"), dtype=np.uint8))
    shift = torch.from_numpy(np.fromfile(os.path.join(folder, "shift.i8"), dtype=np.int8).astype(np.int64)).reshape(-1, 2)
    lrs = np.fromfile(os.path.join(folder, "lrs.f32"), dtype="<f4")
    bs, steps = sch["batchSize"], sch["steps"]
    opt = job["optimizer"]
    decay_ids = {id(p) for p in model.decay}
    groups = [
        {"params": [p for p in model.parameters() if id(p) in decay_ids], "weight_decay": opt["weightDecay"]},
        {"params": [p for p in model.parameters() if id(p) not in decay_ids], "weight_decay": 0.0},
    ]
    sgd = torch.optim.SGD(groups, lr=float(lrs[0]), momentum=opt["momentum"])
    masks = []
    if job.get("masks"):
        mbytes = np.fromfile(os.path.join(folder, "masks.u8"), dtype=np.uint8)
        by_name = {node["name"]: i for i, node in enumerate(job["net"]["nodes"])}
        for name, off in job["masks"].items():
            p = model.weights[f"n{by_name[name]}_w"]
            m = torch.from_numpy(mbytes[off:off + p.numel()].astype(np.float32)).reshape(p.shape)
            masks.append((p, m))
        with torch.no_grad():
            for p, m in masks:
                p.mul_(m)
    distill = opt.get("distill")
    model.train()
    losses = np.zeros(steps, dtype="<f4")
    start = time.time()
    report_every = max(1, steps // 10)
    for s in range(steps):
        lo, hi = s * bs, min((s + 1) * bs, order.numel())
        idx = order[lo:hi]
        x = batch_images(pixels, idx, flip[lo:hi], shift[lo:hi], mean, std)
        y = labels[idx]
        for g in sgd.param_groups:
            g["lr"] = float(lrs[s])
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        if distill and teacher is not None:
            with torch.no_grad():
                t_logits = teacher(x)
            temp, alpha = distill["temperature"], distill["alpha"]
            kl = F.kl_div(F.log_softmax(logits / temp, dim=1), F.log_softmax(t_logits / temp, dim=1),
                          reduction="batchmean", log_target=True)
            loss = (1 - alpha) * loss + alpha * temp * temp * kl
        sgd.zero_grad(set_to_none=True)
        loss.backward()
        sgd.step()
        if masks:
            with torch.no_grad():
                for p, m in masks:
                    p.mul_(m)
                    buf = sgd.state[p].get("momentum_buffer")
                    if buf is not None:
                        buf.mul_(m)
        losses[s] = float(loss)
        if (s + 1) % report_every == 0 or s + 1 == steps:
            el = time.time() - start
            progress(f"step {s + 1}/{steps} loss {losses[s]:.4f} {hi / el:.0f} samples/s")
    seconds = time.time() - start
    model.export(os.path.join(folder, "params.out.f32"))
    losses.tofile(os.path.join(folder, "losses.f32"))
    return {"losses": "losses.f32", "seconds": seconds, "samplesPerSecond": order.numel() / max(seconds, 1e-9)}


def evaluate(folder, job):
    model = Graph(job["net"], folder).eval()
    pixels, labels, mean, std = load_data(folder, job["data"])
    n = labels.numel()
    preds = np.zeros(n, dtype="<u2")
    start = time.time()
    with torch.no_grad():
        for lo in range(0, n, 500):
            idx = torch.arange(lo, min(lo + 500, n))
            x = batch_images(pixels, idx, None, None, mean, std)
            preds[lo:lo + len(idx)] = model(x).argmax(dim=1).numpy()
    seconds = time.time() - start
    preds.tofile(os.path.join(folder, "predictions.u16"))
    acc = float((torch.from_numpy(preds.astype(np.int64)) == labels).float().mean()) if n else 0.0
    return {"accuracy": acc, "predictions": "predictions.u16", "samplesPerSecond": n / max(seconds, 1e-9)}


def run_job(folder):
    with open(os.path.join(folder, "job.json")) as f:
        job = json.load(f)
    torch.manual_seed(0)
    torch.set_num_threads(max(1, int(job.get("threads", 1))))
    result = train(folder, job) if job["mode"] == "train" else evaluate(folder, job)
    with open(os.path.join(folder, "result.json"), "w") as f:
        json.dump(result, f)


def why(e):
    """One line for the Deno side: a job's own message, else the exception's type and text."""
    text = str(e) if isinstance(e, JobError) else f"torch engine: {type(e).__name__}: {e}"
    return " ".join(text.split())


def serve():
    for line in sys.stdin:
        folder = line.strip()
        if not folder:
            continue
        try:
            run_job(folder)
            print("done", flush=True)
        except Exception as e:  # the job failed, the server goes on
            if os.environ.get("MOSAIC_DEBUG"):
                import traceback
                traceback.print_exc(file=sys.stderr)
            print(f"error {why(e)}", flush=True)


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--version":
        print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}))
        return
    if len(sys.argv) == 2 and sys.argv[1] == "--serve":
        serve()
        return
    if len(sys.argv) != 2:
        fail("usage: torch_engine.py JOB_FOLDER | --serve | --version")
    run_job(sys.argv[1])


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line for the Deno side; the trace only on request
        if os.environ.get("MOSAIC_DEBUG"):
            raise
        print(f"error: {why(e)}", file=sys.stderr, flush=True)
        sys.exit(2)
