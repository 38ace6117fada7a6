/**
 * resnet18-fashionmnist-trained (shipped, trained on Fashion-MNIST, width 0.25; pruned with per-layer budgets): every
 * linear layer (full profile) or four representative layers (quick profile), server compute only,
 * unpruned vs Hunter vs MOSAIC, under GAZELLE and CrypTFlow2. See `_model.ts`.
 */
import { registerModelBenches } from "./_model.ts";

await registerModelBenches("resnet18-fashionmnist-trained");
