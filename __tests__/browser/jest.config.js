/**
 * The browser proof (`npm run test:browser`): a person's Control UI session in Debian's Chromium
 * against the real openclaw behind a real TLS proxy (issue 17). Separate from the unit/integration
 * projects (not part of `npm test`): it needs chromium, caddy and certutil, and a minute or two.
 */
const path = require("node:path");

module.exports = {
  rootDir: path.resolve(__dirname, "../.."),
  displayName: "browser",
  testEnvironment: "node",
  // tsconfig's isolatedModules makes ts-jest transpile only (as in jest.config.js).
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  moduleFileExtensions: ["ts", "js", "json"],
  testMatch: ["<rootDir>/__tests__/browser/**/*.test.ts"],
  // .cache holds the openclaw fixture (~840 MB of node_modules) and VM images: never crawl them.
  modulePathIgnorePatterns: ["<rootDir>/.cache/", "<rootDir>/cdktf.out/"],
  // One browser, one gateway; the steps run in order (2 shared cores).
  maxWorkers: 1,
  testTimeout: 5 * 60 * 1000,
  verbose: true,
};
