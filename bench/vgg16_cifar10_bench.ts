/**
 * vgg16-cifar10: every linear layer (full profile) or four representative layers (quick profile), server
 * compute only, unpruned vs Hunter vs MOSAIC, under GAZELLE and CrypTFlow2. See `_model.ts`.
 */
import { registerModelBenches } from "./_model.ts";

await registerModelBenches("vgg16-cifar10");
