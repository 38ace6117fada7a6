/**
 * The base every folder stands on: the bad-input error, random sources (seeded for reproducible
 * data, CSPRNG for secrets; the names say which), atomic file writes, and reading JSON files
 * against their zod schemas in one-line refusals. Imports nothing of ours (zod only).
 *
 * @module
 */
export { UserError } from "./errors.ts";
export { randomModT, randomNonZero, randomSigned, SeededRng } from "./random.ts";
export { writeFileAtomic } from "./atomic_write.ts";
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
