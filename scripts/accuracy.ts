/**
 * `deno task accuracy --model NAME|FILE.onnx --data DIR [--split val|test|train] [--limit N]`:
 * top-1 accuracy of a model (IR float forward pass) on CIFAR-10 (binary format) or Tiny ImageNet
 * (folder layout), chosen by the model's input size. Nothing is downloaded.
 *
 * @module
 */
import { parseArgs } from "@std/cli/parse-args";
import { accuracy, loadDatasetFor, loadModel, UserError } from "../mod.ts";
import { checkFlags, progress, runMain } from "./_cli.ts";

async function main(): Promise<number> {
  const args = parseArgs(Deno.args, {
    string: ["model", "data", "split", "limit", "width", "seed"],
  });
  checkFlags(args, ["model", "data", "split", "limit", "width", "seed"]);
  if (!args.model || !args.data) {
    throw new UserError("usage: deno task accuracy --model NAME|FILE.onnx --data DIR [--limit N]");
  }
  const limit = args.limit === undefined ? Infinity : Number(args.limit);
  const net = await loadModel(args.model, {
    width: args.width === undefined ? undefined : Number(args.width),
    seed: args.seed === undefined ? undefined : Number(args.seed),
  });
  progress(`loading data from ${args.data}`);
  const ds = await loadDatasetFor(net, args.data, args.split, limit);
  progress(`evaluating ${net.name} on ${ds.images.length} images of ${ds.name}`);
  const acc = accuracy(net, ds);
  console.log(
    JSON.stringify({
      model: net.name,
      weights: net.weights,
      dataset: ds.name,
      images: ds.images.length,
      top1: acc,
    }),
  );
  return 0;
}

if (import.meta.main) await runMain(main);
