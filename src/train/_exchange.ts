/**
 * The network half of the engine exchange: an IR network as a JSON graph plus one flat Float32
 * parameter array, and back. The torch engine reads this layout (see `torch_engine.py`).
 *
 * @module
 */
import type { Network, Node } from "../nn/mod.ts";

/** A node in the exchange: its IR fields without arrays, and where its arrays are. */
export type GraphNode = Record<string, unknown> & {
  readonly tensors: Record<string, readonly [number, number]>;
};

/** A network in the exchange layout. */
export interface Graph {
  readonly input: Network["input"];
  readonly output: string;
  readonly nodes: GraphNode[];
  readonly params: string;
}

/**
 * Split a network into a JSON graph (arrays replaced by [offset, length] into `params`) and the
 * flat parameters.
 *
 * @example A network survives the round trip; the graph stays small
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { graphOf, networkFrom } from "./_exchange.ts";
 * import { buildZoo } from "../nn/mod.ts";
 *
 * const net = buildZoo("resnet18-fashionmnist", { width: 0.0625 });
 * const { graph, params } = graphOf(net, "p.f32");
 * const back = networkFrom(net, graph, params);
 * assertEquals(back.nodes.length, net.nodes.length);
 * assert(JSON.stringify(graph).length <= 1e5);
 * ```
 */
export function graphOf(net: Network, file: string): { graph: Graph; params: Float32Array } {
  let size = 0;
  const arrays: [number, Float32Array][] = [];
  const nodes: GraphNode[] = net.nodes.map((n) => {
    const fields: Record<string, unknown> = {};
    const tensors: Record<string, [number, number]> = {};
    for (const [k, v] of Object.entries(n)) {
      if (v instanceof Float32Array) {
        tensors[k] = [size, v.length];
        arrays.push([size, v]);
        size += v.length;
      } else if (v !== null && !k.startsWith("__")) fields[k] = v;
    }
    return { ...fields, tensors };
  });
  const params = new Float32Array(size);
  for (const [offset, a] of arrays) params.set(a, offset);
  return { graph: { input: net.input, output: net.output, nodes, params: file }, params };
}

/** The network with its arrays replaced by the ones in `params` (same graph layout). */
export function networkFrom(net: Network, graph: Graph, params: Float32Array): Network {
  const nodes = net.nodes.map((n, i): Node => {
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(n)) if (!k.startsWith("__")) copy[k] = v;
    for (const [k, [off, len]] of Object.entries(graph.nodes[i].tensors)) {
      copy[k] = params.slice(off, off + len);
    }
    return copy as unknown as Node;
  });
  return { ...net, nodes };
}
