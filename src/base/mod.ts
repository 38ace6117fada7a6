/**
 * The base every folder stands on: the bad-input error, random sources (seeded for reproducible
 * data, CSPRNG for secrets; the names say which), outputs (the one atomic file writer, output
 * paths checked before a run, all-or-nothing staging of a run's files with `OutputStage` and
 * `OutputDir`, safe file names for names that come from data), reading JSON files against
 * their zod schemas in one-line refusals, progress lines with an estimate of the time left, the
 * lines of a subprocess's output, and scratch memory reused by work that throws its large arrays
 * away (planning a layer only to count it).
 * Imports nothing of ours (zod only).
 *
 * @module
 */
export { UserError } from "./errors.ts";
export { randomModT, randomNonZero, randomSigned, SeededRng } from "./random.ts";
export { writeFileAtomic } from "./atomic_write.ts";
export { checkOutputDir, checkOutputFile } from "./output_path.ts";
export { OutputStage } from "./output_stage.ts";
export { OutputDir } from "./output_dir.ts";
export { safeFileName } from "./safe_name.ts";
export { textLines } from "./text_lines.ts";
export {
  scratchBytes,
  scratchFloat32,
  scratchInt32,
  scratchUint8,
  withScratch,
} from "./scratch.ts";
export {
  EtaProgress,
  type EtaProgressOptions,
  formatDuration,
  formatProgress,
  type ProgressState,
} from "./progress.ts";
export {
  checkFormat,
  checkJson,
  describeJson,
  type JsonCheck,
  type JsonIssue,
  jsonPath,
  type JsonSchema,
  type Mutable,
  parseJsonFile,
  parseJsonText,
  type SameType,
  toJsonSchema,
} from "./json_file.ts";

export { secureUniformBits, secureUniformModT } from "./secure_random.ts";
export { type ErrorData, errorData, errorFromData } from "./worker_errors.ts";
