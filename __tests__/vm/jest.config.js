/**
 * The VM boot proof (`npm run test:vm`): boots the rendered debian12 user data in qemu (TCG).
 * Separate from the unit/integration projects: it needs root, qemu and minutes, not seconds.
 */
const path = require("node:path");

module.exports = {
  rootDir: path.resolve(__dirname, "../.."),
  testEnvironment: "node",
  // tsconfig's isolatedModules makes ts-jest transpile only (as in jest.config.js).
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  moduleFileExtensions: ["ts", "js", "json"],
  testMatch: ["<rootDir>/__tests__/vm/**/*.test.ts"],
  // .cache holds other fixtures (and our images); jest must not crawl them.
  modulePathIgnorePatterns: ["<rootDir>/.cache/", "<rootDir>/cdktf.out/"],
  // The scenarios share one fake cloud and one data disk and run in order.
  maxWorkers: 1,
  testTimeout: 20 * 60 * 1000,
  verbose: true,
};
