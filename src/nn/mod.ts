/**
 * Networks and layers: the network IR (from the code-defined zoo, a shipped trained model or the
 * user's own ONNX file), its float forward pass, ONNX export and onnxruntime-web inference, the
 * integer path (BatchNorm folding and quantization to `IntLayer`s) with the reference layers mod t
 * that HE results are checked against, weight masks on disk, and labelled image data with top-1
 * accuracy.
 *
 * Nothing heavy loads on import: onnxruntime-web loads on first inference, jpeg-js on the first Tiny
 * ImageNet load.
 *
 * @example A layer from a spec, checked against its integer reference
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseLayerSpec, referenceLayer, syntheticLayer } from "./mod.ts";
 *
 * const layer = syntheticLayer("fc", parseLayerSpec("fc:in=4,out=2"), 7);
 * const y = referenceLayer(layer, new Float64Array([1, 2, 3, 4]), 557057);
 * assertEquals(y.length, 2);
 * ```
 *
 * @example A model's HE-ready integer layers
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { loadModel, quantizedLayers, shapeLabel } from "./mod.ts";
 *
 * const net = await loadModel("vgg16-cifar10", { width: 0.25 });
 * const [first] = quantizedLayers(net);
 * assertEquals(first.layer.name, "features.0");
 * assertEquals(shapeLabel(first.layer.shape), "conv:h=32,w=32,ci=3,co=16,k=3,s=1,p=1");
 * ```
 *
 * @example Top-1 accuracy of a shipped trained model
 * ```ts
 * import { assert } from "@std/assert";
 * import { evaluateAccuracy, loadDatasetFor, loadModel } from "./mod.ts";
 *
 * const net = await loadModel("resnet18-fashionmnist-trained");
 * const result = await evaluateAccuracy(net, await loadDatasetFor(net, { limit: 32 }));
 * assert(result.accuracy > 0.5);
 * ```
 *
 * @module
 */

// Linear layers with integer weights, as HE runs them, and their integer reference (mod t).
export {
  applyMask,
  type BnShape,
  convOutH,
  convOutW,
  convPads,
  type ConvShape,
  type FcShape,
  inputCount,
  type IntLayer,
  LAYER_SPEC_LIMITS,
  type LayerShape,
  parseLayerSpec,
  shapeLabel,
  weightCount,
} from "./layers.ts";
export { referenceLayer } from "./reference.ts";
export { syntheticLayer } from "./synthetic.ts";
export { vgg16Cifar10Shapes } from "./default_layers.ts";

// The network IR and its channel graph.
export {
  type BatchNormNode,
  type ChannelTie,
  channelTies,
  type ConvNode,
  type GemmNode,
  inferShapes,
  linearNodes,
  type Network,
  type Node,
  type NodeBase,
  type PoolNode,
  type SimpleNode,
  type TensorShape,
} from "./network.ts";

// Models: the zoo, shipped trained models, ONNX files; the float forward pass and onnxruntime-web.
export { buildZoo, type SyntheticConv, ZOO_MODELS, type ZooOptions } from "./zoo.ts";
export {
  loadModel,
  MODEL_CARD_FORMAT,
  type ModelCard,
  modelCardSchema,
  parseModelCard,
  TRAINED_MODELS,
} from "./load.ts";
export { exportOnnx, type ExportOptions, importOnnx } from "./onnx.ts";
export { forward } from "./forward.ts";
export { runOnnx } from "./ort.ts";

// The integer path: BatchNorm folded, weights quantized.
export {
  type FloatLayer,
  foldedWeights,
  linearLayerSpecs,
  type QuantizedLayer,
  quantizedLayers,
  quantizeLayer,
  toResidues,
} from "./quantize.ts";

// Weight masks and the hashes that tie files to models and data.
export {
  checkMaskFile,
  checkMaskFormat,
  MASK_FORMAT,
  type MaskFile,
  type MaskFileLayer,
  maskFileSchema,
  maskFileText,
  maskNetwork,
  type MaskSet,
  networkHash,
  readMaskFile,
  sha256Hex,
} from "./masks.ts";

// Labelled images and top-1 accuracy.
export {
  DEBIAN_FASHION_MNIST,
  type FashionSplit,
  fitToNetwork,
  gzip,
  idxBytes,
  imageFloats,
  type ImageSet,
  imageSetHash,
  loadFashionMnist,
  SHIPPED_FASHION_MNIST,
} from "./images.ts";
export { type DataRequest, loadDatasetFor, type LoadedSet } from "./datasets.ts";
export {
  type AccuracyOptions,
  type AccuracyResult,
  evaluateAccuracy,
  type InferenceEngine,
} from "./accuracy.ts";

// Test fixtures: tiny hand-built networks for the tests and doc examples of other folders and for
// `deno task fixtures` (which reach nn only through this face). Not part of the modelling API.
export { tinyBatchNorm, tinyResidual } from "./fixtures.ts";
