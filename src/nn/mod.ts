/**
 * Layers with integer weights, the integer reference layers (mod t) that HE results are checked
 * against, seeded random data, and synthetic layers.
 *
 * @example
 * ```ts
 * import { parseLayerSpec, referenceLayer, syntheticLayer } from "./mod.ts";
 *
 * const layer = syntheticLayer("fc", parseLayerSpec("fc:in=4,out=2"), 7);
 * const y = referenceLayer(layer, new Float64Array([1, 2, 3, 4]), 557057);
 * if (y.length !== 2) throw new Error();
 * ```
 *
 * @module
 */
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
  type LayerShape,
  outputCount,
  parseLayerSpec,
  shapeLabel,
  validateShape,
  weightCount,
} from "./layers.ts";
export { referenceLayer } from "./reference.ts";
export { syntheticLayer } from "./synthetic.ts";
export { vgg16Cifar10Shapes } from "./default_layers.ts";
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
  type PoolNode,
  type SimpleNode,
  SUPPORTED_OPS,
  type TensorShape,
} from "./network.ts";
export {
  buildZoo,
  type SyntheticConv,
  syntheticConvOf,
  syntheticConvWeights,
  ZOO_ARCHS,
  ZOO_DATASETS,
  ZOO_MODELS,
  type ZooOptions,
} from "./zoo.ts";
export { forward } from "./forward.ts";
export { exportOnnx, type ExportOptions, importOnnx } from "./onnx.ts";
export { type OnnxSession, openOnnx, ortDescription, runOnnx } from "./ort.ts";
export {
  convShape,
  type FloatLayer,
  foldBatchNorm,
  foldedWeights,
  linearLayerSpecs,
  type Quantized,
  type QuantizedLayer,
  quantizedLayers,
  quantizeLayer,
  quantizeSymmetric,
  toResidues,
} from "./quantize.ts";
export {
  MASK_FORMAT,
  maskFileText,
  maskNetwork,
  type MaskSet,
  networkHash,
  readMaskFile,
  sha256Hex,
} from "./masks.ts";
export { loadModel, TRAINED_MODELS, trainedModelPath } from "./load.ts";
export { tinyBatchNorm, tinyResidual } from "./fixtures.ts";
export {
  CIFAR10_NORM,
  type DataRequest,
  DATASET_NAMES,
  IMAGENET_NORM,
  loadCifar10,
  loadDataset,
  loadDatasetFor,
  type LoadedSet,
  loadTinyImageNet,
  type Normalization,
} from "./datasets.ts";
export {
  accuracy,
  type AccuracyOptions,
  type AccuracyResult,
  evaluateAccuracy,
  type InferenceEngine,
  predictIr,
  predictOrt,
} from "./accuracy.ts";
export {
  type Dataset,
  DEBIAN_FASHION_MNIST,
  FASHION_MNIST_NORM,
  type FashionSplit,
  fitImages,
  fitToNetwork,
  gzip,
  idxBytes,
  imageFloats,
  type ImageSet,
  imageSetHash,
  loadFashionMnist,
  parseIdx,
  SHIPPED_FASHION_MNIST,
  toDataset,
} from "./images.ts";
